# gpnn — every target installs what it needs itself, so a fresh clone with only Node and npm works.
#
# Node: gpnn runs its TypeScript directly on Node >= 22.18 (type stripping). When the system's
# node is older (Node 20 here), the first target fetches Node 22 from the npm registry (the `node`
# package) into .tools/ and puts it first on PATH for every recipe.

SHELL := /bin/bash
NAME ?= width-sweep
PROFILE ?= default
JOBS ?=
RUN ?=
ARGS ?=
NODE_VERSION := 22.23.3
TOOLS := $(CURDIR)/.tools

SYSTEM_NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' >/dev/null 2>&1 && echo yes)
ifeq ($(SYSTEM_NODE_OK),yes)
NODE_STAMP :=
else
export PATH := $(TOOLS)/node_modules/.bin:$(PATH)
NODE_STAMP := $(TOOLS)/node_modules/.bin/node
endif

GPNN := node src/cli/main.ts

.PHONY: help experiment report peer list test typecheck bench conformance clean install

help:
	@echo "make experiment NAME=width-sweep [PROFILE=quick|default|full] [JOBS=n] [ARGS='--seed 1']"
	@echo "make report NAME=width-sweep [RUN=<run-id>]   regenerate the report from stored results"
	@echo "make peer NAME=width-sweep [RUN=<run-id>]     run the Python peer at a stored run's settings, add it to the report"
	@echo "make list                                      the known experiments"
	@echo "make test                                      type check + the test suite"
	@echo "make bench                                     benchmarks, with ratios to the Python peers"
	@echo "make conformance DIR=<fixtures dir>            gpnn against reference fixtures"

$(TOOLS)/node_modules/.bin/node:
	@echo "system node $$(node --version 2>/dev/null || echo missing) is older than 22.18: installing node@$(NODE_VERSION) from the npm registry into .tools/"
	npm install --prefix $(TOOLS) --no-save --no-package-lock --loglevel=error node@$(NODE_VERSION)

node_modules/.gpnn-installed: package.json package-lock.json | $(NODE_STAMP)
	npm ci --loglevel=error --no-fund --no-audit
	@touch $@

install: node_modules/.gpnn-installed

experiment: install
	$(GPNN) run $(NAME) --profile $(PROFILE) $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

report: install
	$(GPNN) report $(NAME) $(if $(RUN),--run $(RUN)) $(ARGS)

peer: install
	$(GPNN) peer $(NAME) $(if $(RUN),--run $(RUN)) $(ARGS)

list: install
	@$(GPNN) list

typecheck: install
	npx tsc --noEmit -p .

test: install typecheck
	npx vitest run

bench: install
	node bench/main.ts $(ARGS)

conformance: install
	$(GPNN) conformance $(or $(DIR),tests/fixtures)

clean:
	rm -rf node_modules .tools
