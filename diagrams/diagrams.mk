# diagrams/diagrams.mk - the figures, built into $(BUILD)/diagrams/.
#
# Included by the top Makefile, which provides BUILD, CC, CFLAGS, LDFLAGS,
# COMMON_LIB (with its rule) and the phony deps-docs (installs dot, pandoc).
#
#   make diagrams      every figure, as SVG (for the docs) and PNG (beside it),
#                      and the state tables the reference page includes
#
# Three kinds of figure:
#   - the TCP state machine, drawn by $(BUILD)/bin/tcp-diagram from the one
#     state table in labs/common/tcp_states.c;
#   - a path over that machine: add a line to PATH_FIGURES below,
#         PATH_FIGURES += NAME:STATE,STATE,...
#     (RFC or Linux state names, no spaces) and, if you like, a title:
#         PATH_TITLE.NAME := Some words
#     A fragment included before this one may add to PATH_FIGURES as well;
#     one included after it is too late for the `diagrams` target.
#   - a hand-drawn figure: any diagrams/NAME.dot becomes NAME.svg and NAME.png.

DIAGRAMS_DIR := $(BUILD)/diagrams
TCP_DIAGRAM  := $(BUILD)/bin/tcp-diagram
TCP_TABLES   := $(DIAGRAMS_DIR)/tcp-tables.md

# PNGs are for print and for places that cannot show SVG: a little more
# resolution than the 96 dpi default keeps the small labels sharp.
DIAGRAM_PNG_DPI ?= 120

PATH_FIGURES += tcp-active-open:CLOSED,SYN-SENT,ESTABLISHED
PATH_FIGURES += tcp-passive-open:CLOSED,LISTEN,SYN-RCVD,ESTABLISHED
PATH_FIGURES += tcp-active-close:ESTABLISHED,FIN-WAIT-1,FIN-WAIT-2,TIME-WAIT,CLOSED
PATH_FIGURES += tcp-passive-close:ESTABLISHED,CLOSE-WAIT,LAST-ACK,CLOSED

PATH_TITLE.tcp-state-machine := The TCP state machine (RFC 9293, Figure 5)
PATH_TITLE.tcp-active-open   := Active open: the client connects
PATH_TITLE.tcp-passive-open  := Passive open: the server listens and accepts
PATH_TITLE.tcp-active-close  := Active close: the side that closes first
PATH_TITLE.tcp-passive-close := Passive close: the side that closes second

# Recursive (=) on purpose: PATH_FIGURES may still grow after this line.
diagram_path_names = $(foreach f,$(PATH_FIGURES),$(firstword $(subst :, ,$(f))))
# The states of path figure $(1): the part after "NAME:".
diagram_path_states = $(patsubst $(1):%,%,$(filter $(1):%,$(PATH_FIGURES)))
# Quote $(1) for the shell, single quotes and all.
diagram_shell_quote = '$(subst ','\'',$(1))'

DIAGRAM_STATIC = $(patsubst diagrams/%.dot,%,$(wildcard diagrams/*.dot))
DIAGRAM_NAMES  = tcp-state-machine $(diagram_path_names) $(DIAGRAM_STATIC)
DIAGRAMS       = $(foreach n,$(DIAGRAM_NAMES),$(DIAGRAMS_DIR)/$(n).svg $(DIAGRAMS_DIR)/$(n).png)

.PHONY: diagrams

# ---- the generator --------------------------------------------------------
# CFLAGS carries -MMD: the compiler records the headers it read in
# $(TCP_DIAGRAM).d, which the top Makefile includes.
$(TCP_DIAGRAM): diagrams/tcp_diagram.c $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(COMMON_LIB) -o $@

# ---- DOT sources generated from the table ---------------------------------
# Written to a temporary file first, so a failed run never leaves a
# truncated graph behind that make would then believe is up to date.
$(DIAGRAMS_DIR)/tcp-state-machine.gv: $(TCP_DIAGRAM)
	@mkdir -p $(@D)
	$(TCP_DIAGRAM) --title $(call diagram_shell_quote,$(PATH_TITLE.tcp-state-machine)) > $@.tmp
	@mv -f $@.tmp $@

# Every other generated .gv is a path figure; its states come from
# PATH_FIGURES, so this fragment is a prerequisite too (edit a path, the
# figure is redrawn).
$(DIAGRAMS_DIR)/%.gv: $(TCP_DIAGRAM) diagrams/diagrams.mk
	@mkdir -p $(@D)
	$(if $(call diagram_path_states,$*),,$(error $*: no such figure; add PATH_FIGURES += $*:STATE,STATE,... to diagrams/diagrams.mk))
	$(TCP_DIAGRAM) --path $(call diagram_shell_quote,$(call diagram_path_states,$*)) \
	    $(if $(PATH_TITLE.$*),--title $(call diagram_shell_quote,$(PATH_TITLE.$*))) > $@.tmp
	@mv -f $@.tmp $@

$(TCP_TABLES): $(TCP_DIAGRAM)
	@mkdir -p $(@D)
	$(TCP_DIAGRAM) --markdown > $@.tmp
	@mv -f $@.tmp $@

# ---- rendering ------------------------------------------------------------
# A hand-drawn diagrams/NAME.dot is rendered directly; make tries these two
# rules first and falls back to the generated $(DIAGRAMS_DIR)/NAME.gv below
# when there is no such file.
$(DIAGRAMS_DIR)/%.svg: diagrams/%.dot | deps-docs
	@mkdir -p $(@D)
	dot -Tsvg $< -o $@.tmp
	@mv -f $@.tmp $@

$(DIAGRAMS_DIR)/%.png: diagrams/%.dot | deps-docs
	@mkdir -p $(@D)
	dot -Tpng -Gdpi=$(DIAGRAM_PNG_DPI) $< -o $@.tmp
	@mv -f $@.tmp $@

$(DIAGRAMS_DIR)/%.svg: $(DIAGRAMS_DIR)/%.gv | deps-docs
	dot -Tsvg $< -o $@.tmp
	@mv -f $@.tmp $@

$(DIAGRAMS_DIR)/%.png: $(DIAGRAMS_DIR)/%.gv | deps-docs
	dot -Tpng -Gdpi=$(DIAGRAM_PNG_DPI) $< -o $@.tmp
	@mv -f $@.tmp $@

diagrams: $(DIAGRAMS) $(TCP_TABLES)
