# The two commands of the README. Both install missing Debian packages, then
# configure and build qc in build/ (scripts/setup.sh).
.PHONY: all demo check build clean

all: build

build:
	scripts/setup.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

clean:
	rm -rf build
