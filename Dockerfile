# syntax=docker/dockerfile:1
# Images of lora: `cpu` (CLI, CPU workers, router) and `gpu-worker` (training on CUDA with tfjs-node-gpu).
#   docker build --target cpu -t lora:cpu .
#   docker build --target gpu-worker -t lora:gpu .

# ---- build: compile TypeScript, then keep production dependencies only ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY jobs ./jobs
COPY datasets ./datasets
COPY adapters ./adapters
COPY evals ./evals
COPY router ./router
COPY pipeline ./pipeline
RUN npm run build && npm prune --omit=dev --ignore-scripts

# ---- cpu: the CLI, CPU workers and the router ----
FROM node:20-bookworm-slim AS cpu
ENV NODE_ENV=production \
    LORA_STORE=file:///data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
# The built-in tiny model (config, safetensors, tokenizer): `builtin:tiny` resolves to it.
COPY adapters/tiny-model/lora-tiny ./adapters/tiny-model/lora-tiny
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
ENTRYPOINT ["node", "/app/bin/lora.js"]
CMD ["worker"]

# ---- gpu-worker: CUDA 11.2 + cuDNN 8, what @tensorflow/tfjs-node-gpu 4.22 is built against ----
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS gpu-worker
ENV NODE_ENV=production \
    LORA_STORE=file:///data \
    DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm-slim /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY adapters/tiny-model/lora-tiny ./adapters/tiny-model/lora-tiny
# The native GPU backend downloads libtensorflow at install time; the build fails here, loudly,
# if that did not happen, rather than shipping a "GPU" image that silently trains on the CPU.
RUN npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0 \
 && ls node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v*/tfjs_binding.node \
 && ls node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so* \
 && node -e "require('@tensorflow/tfjs-node-gpu')" \
 || { echo "gpu-worker: @tensorflow/tfjs-node-gpu did not install or load its native backend" >&2; exit 1; }
ENV LORA_BACKEND=tensorflow
RUN useradd --create-home --uid 10001 lora && mkdir -p /data && chown lora:lora /data
USER lora
VOLUME ["/data"]
ENTRYPOINT ["node", "/app/bin/lora.js"]
CMD ["worker", "--queues", "train"]
