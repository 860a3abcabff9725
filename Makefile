# Shortcuts; the README's commands work without make.

.PHONY: build image test

build:
	go build -o flint ./cmd/flint

# image builds the static binary and the FROM scratch node image flint:local.
image:
	scripts/image.sh flint:local

test:
	go vet ./... && go test -race -timeout 25m ./...
