# images/: the trainer and tools images (issue 5). Versions come from rmjob/platform.yaml only.

REGISTRY ?=
TAG      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DOCKER   ?= docker
IMAGE_PLATFORM := linux/amd64
REGISTRY_PREFIX := $(if $(REGISTRY),$(patsubst %/,%,$(REGISTRY))/,)

# Build args and image names from rmjob/platform.yaml (read with the project's own loader).
PLATFORM_ARGS = $(shell $(PYTHON) -c "from rmjob.platform import load_platform as l; p = l(); v = p.versions; \
print(' '.join(f'--build-arg {k}={x}' for k, x in [('PYTHON_VERSION', v.python), ('CUDA_VERSION', v.cuda_base), \
('TORCH_VERSION', v.torch), ('VLLM_VERSION', v.vllm), ('VERL_VERSION', v.verl), ('RAY_VERSION', v.ray), \
('SITE_PACKAGES', p.paths.site_packages)]))")
IMAGE_REPO = $(shell $(PYTHON) -c "from rmjob.platform import load_platform as l; print(l().images.$(1))")
BUILD_ARGS = $(PLATFORM_ARGS) --build-arg IMAGE_VERSION=$(TAG) \
	--build-arg REVISION=$(shell git rev-parse HEAD 2>/dev/null || echo unknown)

.PHONY: images push lock image-check docker-engine registry-set

docker-engine:
	@$(DOCKER) info >/dev/null 2>&1 || { echo "make images: no Docker engine reachable ('$(DOCKER) info' failed): start Docker or build on a machine that has one" >&2; exit 1; }

images: docker-engine ## build the trainer and tools images (linux/amd64) as $(REGISTRY)/<name>:$(TAG)
	@set -e; for image in trainer tools; do \
		repo="$(REGISTRY_PREFIX)$$($(PYTHON) -c "from rmjob.platform import load_platform as l; print(getattr(l().images, '$$image'))")"; \
		echo "building $$repo:$(TAG)"; \
		$(DOCKER) buildx build --platform $(IMAGE_PLATFORM) --load $(BUILD_ARGS) \
			-f images/$$image/Dockerfile -t "$$repo:$(TAG)" .; \
	done

registry-set:  # checked before anything is built: the trainer build takes tens of minutes
	@test -n "$(REGISTRY)" || { echo "make push: set REGISTRY, e.g. make push REGISTRY=ghcr.io/you" >&2; exit 2; }

push: registry-set images ## push the images to $(REGISTRY) (required), tagged $(TAG)
	$(DOCKER) push "$(REGISTRY_PREFIX)$(call IMAGE_REPO,trainer):$(TAG)"
	$(DOCKER) push "$(REGISTRY_PREFIX)$(call IMAGE_REPO,tools):$(TAG)"
	@echo "pushed; to run with these images: helm ... --set image.repository=$(REGISTRY_PREFIX)$(call IMAGE_REPO,trainer) --set image.tag=$(TAG), and in run specs cluster.image / cluster.submitter_image"

lock: install ## re-resolve images/*/requirements.lock for the image platform (pip, Python 3.10, manylinux x86_64)
	nice $(PYTHON) scripts/lock-image

image-check: install ## hadolint every Dockerfile and resolve the image locks against PyPI
	$(VENV)/bin/hadolint images/*/Dockerfile
	RMKIT_REQUIRE_TOOLS=$${RMKIT_REQUIRE_TOOLS:-1} $(PYTHON) -m pytest -q tests/images
