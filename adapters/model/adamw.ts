import * as tf from '@tensorflow/tfjs-core';

/** AdamW settings; `weightDecay` is decoupled from the gradient, as in Loshchilov & Hutter and PyTorch. */
export interface AdamWSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** The optimizer's state for checkpoints: step count and both moments of every variable, by name. */
export interface AdamWState {
  step: number;
  moments: Map<string, { first: Float32Array; second: Float32Array; shape: number[] }>;
}

/**
 * AdamW over named variables, with state that can be saved and restored exactly, so that a
 * resumed run continues the same optimisation rather than restarting the moments at zero.
 */
export class AdamW {
  private step = 0;
  private readonly first = new Map<string, tf.Variable>();
  private readonly second = new Map<string, tf.Variable>();

  constructor(readonly settings: AdamWSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }) {}

  /** Applies one update at `learningRate` to each variable that has a gradient. */
  apply(variables: readonly tf.Variable[], gradients: tf.NamedTensorMap, learningRate: number): void {
    this.step += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    for (const variable of variables) {
      const gradient = gradients[variable.name];
      if (gradient === undefined) continue;
      tf.tidy(() => {
        const first = this.moment(this.first, variable);
        const second = this.moment(this.second, variable);
        first.assign(tf.add(tf.mul(first, beta1), tf.mul(gradient, 1 - beta1)));
        second.assign(tf.add(tf.mul(second, beta2), tf.mul(tf.square(gradient), 1 - beta2)));
        const update = tf.div(tf.div(first, correction1), tf.add(tf.sqrt(tf.div(second, correction2)), epsilon));
        const decayed = weightDecay === 0 ? variable : tf.mul(variable, 1 - learningRate * weightDecay);
        variable.assign(tf.sub(decayed, tf.mul(update, learningRate)));
      });
    }
  }

  /**
   * A copy of the state in host memory, keyed by `stableName(variable)` rather than tfjs's
   * process-local variable names, so that a resumed run in another process can restore it.
   */
  async saveState(variables: readonly tf.Variable[], stableName: (variable: tf.Variable) => string): Promise<AdamWState> {
    const moments: AdamWState['moments'] = new Map();
    for (const variable of variables) {
      const first = this.first.get(variable.name);
      const second = this.second.get(variable.name);
      if (first === undefined || second === undefined) continue;
      moments.set(stableName(variable), { first: (await first.data()) as Float32Array, second: (await second.data()) as Float32Array, shape: first.shape });
    }
    return { step: this.step, moments };
  }

  /** Continues from a saved state; `stableName` maps this process's variables to the saved keys. */
  restoreState(state: AdamWState, variables: readonly tf.Variable[], stableName: (variable: tf.Variable) => string): void {
    this.dispose();
    this.step = state.step;
    for (const variable of variables) {
      const moment = state.moments.get(stableName(variable));
      if (moment === undefined) continue;
      this.first.set(variable.name, tf.variable(tf.tensor(moment.first, moment.shape), false));
      this.second.set(variable.name, tf.variable(tf.tensor(moment.second, moment.shape), false));
    }
  }

  /** Optimisation steps taken so far. */
  get steps(): number {
    return this.step;
  }

  /** Frees the moments. */
  dispose(): void {
    for (const variable of [...this.first.values(), ...this.second.values()]) variable.dispose();
    this.first.clear();
    this.second.clear();
  }

  private moment(store: Map<string, tf.Variable>, variable: tf.Variable): tf.Variable {
    let moment = store.get(variable.name);
    if (moment === undefined) {
      moment = tf.variable(tf.zerosLike(variable), false);
      store.set(variable.name, moment);
    }
    return moment;
  }
}

/** Linear warmup, then cosine or linear decay to `minimumRatio` of the peak by `totalSteps`. */
export function learningRateAt(step: number, schedule: { peak: number; warmupSteps: number; totalSteps: number; decay: 'cosine' | 'linear' | 'constant'; minimumRatio?: number }): number {
  const minimum = schedule.peak * (schedule.minimumRatio ?? 0);
  if (step < schedule.warmupSteps) return (schedule.peak * (step + 1)) / schedule.warmupSteps;
  if (schedule.decay === 'constant') return schedule.peak;
  const span = Math.max(1, schedule.totalSteps - schedule.warmupSteps);
  const progress = Math.min(1, (step - schedule.warmupSteps) / span);
  const shape = schedule.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return minimum + (schedule.peak - minimum) * shape;
}
