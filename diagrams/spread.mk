# diagrams/spread.mk - lab 06's measured figure, $(BUILD)/diagrams/06-spread.svg:
# how connections spread over 4 listeners (SO_REUSEPORT) or 4 workers on one
# shared listener (blocking accept(), epoll), measured on this machine.
#
# Included by the top Makefile AFTER diagrams/diagrams.mk (which sets
# DIAGRAMS with `=` and provides COMMON_LIB's rule) and BEFORE docs/docs.mk
# (whose `docs` target takes its figures from DIAGRAMS when it is read).
#
# The figure is a measurement, not a drawing: spread-plot opens real
# connections on the loopback for a second or two and writes the SVG
# itself; its numbers land beside it in 06-spread.txt.

SPREAD_PLOT := $(BUILD)/bin/spread-plot
SPREAD_SVG  := $(BUILD)/diagrams/06-spread.svg

DIAGRAMS += $(SPREAD_SVG)

$(SPREAD_PLOT): diagrams/spread_plot.c $(KIT_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) $(LDFLAGS) $< $(TOOL_LIBS) -o $@

# Written to a temporary file first: a failed measurement leaves no half
# figure behind that make would take as up to date.
$(SPREAD_SVG): $(SPREAD_PLOT)
	@mkdir -p $(@D)
	$(SPREAD_PLOT) $@.tmp > $(@:.svg=.txt)
	@mv -f $@.tmp $@

# diagrams.mk read its `diagrams` target before this line: add ours to it.
diagrams: $(SPREAD_SVG)
