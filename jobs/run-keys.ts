/** The Redis keys lora keeps beside BullMQ's own, all under the configured prefix. */
export function runKeys(prefix: string) {
  return {
    run: (runId: string) => `${prefix}:lora:run:${runId}`,
    forceCounter: (baseId: string) => `${prefix}:lora:forced:${baseId}`,
    index: `${prefix}:lora:runs`,
    cancelChannel: `${prefix}:lora:cancel`,
  };
}
