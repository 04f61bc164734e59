# docs/docs.mk - the lessons and reference pages, rendered into $(BUILD)/docs/.
#
# Included by the top Makefile after diagrams/diagrams.mk (it uses DIAGRAMS
# and TCP_TABLES from there).
#
#   make docs          every page as $(BUILD)/docs/NAME.html, with style.css
#                      and the figures in $(BUILD)/docs/figures/
#   make docs-check    the above, then every link and image checked
#
# Pages: docs/index.md, then docs/lessons/*.md, then docs/reference/*.md,
# each group ordered by file name. That order is the reading order: the menu
# at the top and the previous/next links at the bottom are computed from it,
# so a new docs/lessons/NN-name.md simply appears. A page's menu label is its
# YAML `short-title`, or its `title`.
#
# Pandoc runs from the repository root, so code includes are repository
# paths (see docs/filters/include-code.lua); figures are linked from a page
# as figures/NAME.svg.

DOCS_DIR       := $(BUILD)/docs
DOCS_META_DIR  := $(DOCS_DIR)/.meta
DOCS_LESSONS   := $(sort $(wildcard docs/lessons/*.md))
DOCS_REFERENCE := $(sort $(wildcard docs/reference/*.md))
DOCS_SOURCES   := docs/index.md $(DOCS_LESSONS) $(DOCS_REFERENCE)
DOCS_NAMES     := $(basename $(notdir $(DOCS_SOURCES)))
DOCS_PAGES     := $(DOCS_NAMES:%=$(DOCS_DIR)/%.html)
DOCS_FIGURES    = $(patsubst $(DIAGRAMS_DIR)/%,$(DOCS_DIR)/figures/%,$(filter %.svg %.png,$(DIAGRAMS)))
DOCS_HIGHLIGHT ?= tango

# Generated files that pages include: made before any page is rendered.
# (Once a page has been rendered, its .dep file, written by the filter,
# names exactly what it included.)
DOCS_INPUTS += $(TCP_TABLES)

# The pages are flat in $(DOCS_DIR): two sources with one name would
# overwrite each other.
ifneq ($(words $(DOCS_NAMES)),$(words $(sort $(DOCS_NAMES))))
$(error docs: two pages share a file name: $(sort $(foreach n,$(DOCS_NAMES),$(if $(filter 1,$(words $(filter $(n),$(DOCS_NAMES)))),,$(n)))))
endif

.PHONY: docs docs-check

docs: $(DOCS_PAGES) $(DOCS_DIR)/style.css $(DOCS_FIGURES)
	@# A page whose source is gone would linger, linked from nowhere.
	@for page in $(DOCS_DIR)/*.html; do \
	    [ -e "$$page" ] || continue; \
	    case " $(DOCS_PAGES) " in \
	        *" $$page "*) ;; \
	        *) name=$$(basename "$$page" .html); $(if $(docs_silent),,echo "rm $$page (no source)";) \
	           rm -f "$$page" $(DOCS_META_DIR)/"$$name".yaml $(DOCS_META_DIR)/"$$name".dep ;; \
	    esac; \
	done

docs-check: docs
	bash harness/selftest/check-links.sh $(DOCS_DIR)

# ---- titles -----------------------------------------------------------------
# The list of pages, rewritten only when it changes: a deleted lesson must
# leave the menus too, and a deleted file makes nothing newer. (The recipe
# runs every time; make then sees the file's time unchanged and rebuilds
# nothing.)
.PHONY: docs-list-pages
docs-list-pages:

$(DOCS_META_DIR)/sources.list: docs-list-pages
	@mkdir -p $(@D)
	@echo '$(DOCS_SOURCES)' | cmp -s - $@ || echo '$(DOCS_SOURCES)' > $@

# One line per page, in reading order: name, kind (home, lesson, reference),
# title, short title; each title as Markdown, read from the page's YAML by
# pandoc itself. Any page's title may appear on every page, so every page
# depends on this file.
$(DOCS_META_DIR)/titles.tsv: $(DOCS_SOURCES) $(DOCS_META_DIR)/sources.list docs/docs.mk | deps-docs
	@mkdir -p $(@D)
	@printf '%s\t%s\n' '$$title$$' '$$short-title$$' > $(@D)/title.tpl
	@for src in $(DOCS_SOURCES); do \
	    case $$src in \
	        docs/lessons/*) kind=lesson ;; \
	        docs/reference/*) kind=reference ;; \
	        *) kind=home ;; \
	    esac; \
	    printf '%s\t%s\t' "$$(basename "$$src" .md)" "$$kind"; \
	    pandoc --from markdown --to markdown --wrap=none --template $(@D)/title.tpl "$$src" \
	        || exit 1; \
	done > $@.tmp
	@mv -f $@.tmp $@

# ---- the menu and the pager of one page ---------------------------------------
# An awk program over titles.tsv that prints one page's metadata (YAML) for
# the template: nav-home, nav-lessons and nav-reference with that page marked
# current, prev and next. Strings are single-quoted YAML ('' for a quote) and
# read by pandoc as Markdown, so titles keep their formatting.
define docs_nav_awk
function yaml(s) { gsub(/'/, "''", s); return "'" s "'" }
function menu(kind, key,    i, any) {
    for (i = 1; i <= n; i++) {
        if (kinds[i] != kind)
            continue
        if (!any++)
            print key ":"
        print "  - href: " yaml(names[i] ".html")
        print "    label: " yaml(labels[i])
        if (i == me)
            print "    current: true"
    }
}
function link(key, i) {
    print key ":"
    print "  href: " yaml(names[i] ".html")
    print "  title: " yaml(titles[i])
}
BEGIN { FS = "\t" }
{
    n++
    names[n] = $$1; kinds[n] = $$2
    titles[n] = $$3 != "" ? $$3 : $$1
    labels[n] = $$4 != "" ? $$4 : titles[n]
    if ($$1 == page)
        me = n
}
END {
    if (!me) {
        print "docs.mk: no page named " page " in titles.tsv" > "/dev/stderr"
        exit 1
    }
    for (i = 1; i <= n; i++)
        if (kinds[i] == "home") {
            print "nav-home:"
            print "  href: " yaml(names[i] ".html")
            if (i == me)
                print "  current: true"
        }
    menu("lesson", "nav-lessons")
    menu("reference", "nav-reference")
    if (me > 1)
        link("prev", me - 1)
    if (me < n)
        link("next", me + 1)
    print "pagetitle: " yaml(titles[me])
}
endef

# ---- pages -------------------------------------------------------------------
DOCS_PAGE_PREREQS := $(DOCS_META_DIR)/titles.tsv docs/template.html \
    docs/filters/include-code.lua docs/docs.mk

# make -s: say nothing (MAKEFLAGS starts with the single-letter flags).
docs_silent = $(findstring s,$(firstword -$(MAKEFLAGS)))

# Written to a temporary file and renamed, so an interrupted or failed run
# leaves no half page that make would take for finished.
define docs_render
@mkdir -p $(@D) $(DOCS_META_DIR)
@awk -v page='$*' "$$DOCS_NAV_AWK" $(DOCS_META_DIR)/titles.tsv > $(DOCS_META_DIR)/$*.yaml
$(if $(docs_silent),,@echo "pandoc $< -> $@")
@pandoc --from markdown --to html5 --standalone --fail-if-warnings \
    --template docs/template.html \
    --lua-filter docs/filters/include-code.lua \
    --metadata-file $(DOCS_META_DIR)/$*.yaml \
    -M include-build-dir='$(BUILD)' \
    -M include-depfile='$(DOCS_META_DIR)/$*.dep' \
    -M include-target='$@' \
    --toc --toc-depth=2 \
    --highlight-style=$(DOCS_HIGHLIGHT) \
    --css style.css \
    -o $@.tmp $<
@mv -f $@.tmp $@
endef

# The program reaches awk through the environment: a multi-line make
# variable cannot be written on one recipe line.
$(DOCS_DIR)/%.html: export DOCS_NAV_AWK = $(docs_nav_awk)

# One rule per place a page can live; make takes the one whose source exists.
$(DOCS_DIR)/%.html: docs/lessons/%.md $(DOCS_PAGE_PREREQS) | $(DOCS_INPUTS) deps-docs
	$(docs_render)

$(DOCS_DIR)/%.html: docs/reference/%.md $(DOCS_PAGE_PREREQS) | $(DOCS_INPUTS) deps-docs
	$(docs_render)

$(DOCS_DIR)/%.html: docs/%.md $(DOCS_PAGE_PREREQS) | $(DOCS_INPUTS) deps-docs
	$(docs_render)

# ---- files beside the pages ----------------------------------------------------
$(DOCS_DIR)/style.css: docs/style.css
	@mkdir -p $(@D)
	cp $< $@

$(DOCS_DIR)/figures/%: $(DIAGRAMS_DIR)/%
	@mkdir -p $(@D)
	cp $< $@.tmp
	@mv -f $@.tmp $@

# What each page included (lab files, generated tables), from the filter.
-include $(wildcard $(DOCS_META_DIR)/*.dep)
