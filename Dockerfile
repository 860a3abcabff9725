# The Flint node image: the static flint binary and nothing else.
#
# It pulls no base image. Build the binary first, then the image:
#
#     make image            # = scripts/image.sh: CGO_ENABLED=0 go build, docker build
#
# The node runs as uid 10001 with its data in the volume /data. Set the
# network and the RPC address with FLINT_* variables, e.g.
# FLINT_NETWORK=regtest FLINT_RPC_ADDR=0.0.0.0:28331 (the RPC port inside
# the container must be the network's own, which the health check calls).
FROM scratch
COPY build/image/flint /flint
COPY --chown=10001:10001 build/image/data/ /data/
USER 10001:10001
ENV HOME=/data FLINT_DATADIR=/data
VOLUME /data
HEALTHCHECK --interval=5s --timeout=4s --start-period=20s --retries=3 \
    CMD ["/flint", "rpc", "--timeout", "3s", "getblockcount"]
ENTRYPOINT ["/flint"]
CMD ["node"]
