# Lightwhale: build the bootable ISO, boot it in QEMU, smoke-test it.
#
#   make image                 build/lightwhale-<version>-x86.iso
#   make run                   boot it in QEMU (ssh -p 10022 op@localhost)
#   make run PERSIST=persistence.img
#                              ... with a persistence disk (made if missing)
#   make smoke                 boot it under BIOS and EFI and check it works
#   make next-image            build/lightwhale-next-x86.iso: one version up (the update test's)
#   make netboot               build/netboot/: the image as a network boot serves it (iPXE
#                              script, PXELINUX, kernel, initrd, the root as a second initrd)
#   make lwctl                 the persistence tool the image carries (and lwsign,
#                              which signs the image for lwctl update)
#
# LWCTL=none builds an image without lwctl (every boot falls back to tmpfs).

VERSION := $(shell cat image-recipe/VERSION)
ISO := build/lightwhale-$(VERSION)-x86.iso
LWCTL_BIN := .build-image/release/lwctl
LWSIGN_BIN := .build-image/release/lwsign
# What the ISO is made of: the recipe less its docs and the scripts that only boot it.
RECIPE_FILES := $(shell find image-recipe -type f ! -name '*.md' ! -name smoke-test ! -name run-qemu ! -name guest.sh)

ifeq ($(LWCTL),none)
LWCTL_DEP :=
else
LWCTL_DEP := lwctl
endif

.PHONY: image run smoke lwctl clean
# Two steps: swift decides whether lwctl is up to date, then a fresh make
# compares time stamps to decide whether the ISO is.
image: $(LWCTL_DEP)
	@$(MAKE) --no-print-directory $(ISO)

$(ISO): $(RECIPE_FILES) $(if $(LWCTL_DEP),$(LWCTL_BIN) $(LWSIGN_BIN))
	LWCTL=$(if $(LWCTL_DEP),$(CURDIR)/$(LWCTL_BIN),none) image-recipe/build

lwctl:
	scripts/swift-deps
	swift build -c release --static-swift-stdlib --product lwctl --scratch-path .build-image
	swift build -c release --static-swift-stdlib --product lwsign --scratch-path .build-image

# The same recipe one version up, signed with the same key: what the update test stages.
NEXT_VERSION := $(shell awk -F. -v OFS=. '{ $$NF = $$NF + 1; print }' image-recipe/VERSION)
NEXT_ISO := build/lightwhale-next-x86.iso
.PHONY: next-image
next-image: $(LWCTL_DEP)
	@$(MAKE) --no-print-directory $(NEXT_ISO)

$(NEXT_ISO): $(RECIPE_FILES) $(if $(LWCTL_DEP),$(LWCTL_BIN) $(LWSIGN_BIN))
	LW_VERSION=$(NEXT_VERSION) ISO=$(CURDIR)/$(NEXT_ISO) LWCTL=$(if $(LWCTL_DEP),$(CURDIR)/$(LWCTL_BIN),none) image-recipe/build

.PHONY: netboot
netboot: image
	image-recipe/netboot $(ISO) build/netboot

run: image
	image-recipe/run-qemu $(ISO) $(PERSIST)

smoke: image
	image-recipe/smoke-test $(ISO)

clean:
	rm -rf build .build-image

# Every test, as CI runs it (.ci/run): see scripts/test.
.PHONY: test acceptance
test:
	scripts/test

# The guide replayed on the ISO in QEMU (about 45-60 minutes).
acceptance: image
	acceptance/run
