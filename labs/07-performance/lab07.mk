# labs/07-performance/lab07.mk - lab 07's second program: the load
# generator, build/bin/loadgen (given to students, not a step).
#
# Included by the top Makefile:
#     -include labs/07-performance/lab07.mk
# anywhere after BUILD, CFLAGS, COMMON_LIB and the deps-build target are
# defined (next to the other -include lines at the end is fine). It adds
# loadgen to `make all`, so `make` builds it beside build/bin/lab07.
#
# loadgen uses only the libraries (labs/common, kit): it does not depend on
# the student's lab.c, so it is built once, for labs/ and solutions/ alike.

LOADGEN     ?= $(BUILD)/bin/loadgen
LOADGEN_OBJ := $(BUILD)/tools/loadgen.o

$(LOADGEN_OBJ): labs/07-performance/loadgen.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c $< -o $@

$(LOADGEN): $(LOADGEN_OBJ) $(KIT_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@

all: $(LOADGEN)
