import { stageNames, type AnyStageDefinition, type StageName } from '../core/index.js';

/** The stages a worker can run, keyed by name, in pipeline order. Filled from one list; duplicates throw. */
export class StageRegistry {
  private readonly stages = new Map<StageName, AnyStageDefinition>();

  constructor(definitions: readonly AnyStageDefinition[]) {
    for (const definition of definitions) {
      if (this.stages.has(definition.name)) throw new Error(`stage "${definition.name}" is registered twice`);
      this.stages.set(definition.name, definition);
    }
    const order = definitions.map((definition) => stageNames.indexOf(definition.name));
    if (order.some((position, index) => index > 0 && position < order[index - 1]!)) {
      throw new Error(`stages must be listed in pipeline order ${stageNames.join(' → ')}`);
    }
  }

  /** The stage called `name`; throws when none is registered. */
  get(name: StageName): AnyStageDefinition {
    const definition = this.stages.get(name);
    if (definition === undefined) throw new Error(`no stage "${name}" is registered; known: ${[...this.stages.keys()].join(', ')}`);
    return definition;
  }

  /** The stage that runs before `name`, whose result `name` reads, if any. */
  previous(name: StageName): AnyStageDefinition | undefined {
    const names = [...this.stages.keys()];
    const index = names.indexOf(name);
    return index > 0 ? this.stages.get(names[index - 1]!) : undefined;
  }

  /** Stage names in pipeline order. */
  names(): StageName[] {
    return [...this.stages.keys()];
  }
}
