import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { InputError } from '../../core/index.js';

/** One turn of a conversation; fields past `role` and `content` (such as `tool_calls`) reach the template as given. */
export interface ChatMessage {
  role: string;
  content: string;
  [field: string]: unknown;
}

/** What `renderChatTemplate` needs besides the template and the messages. */
export interface RenderChatTemplateOptions {
  /** Ends the prompt with the header of an assistant turn, so the model writes the reply. */
  addGenerationPrompt: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Names the model in error messages, e.g. `model "Qwen/Qwen3-0.6B"`. */
  subject: string;
}

/** Thrown by the template's `raise_exception` so that it can be told apart from a bug in the template. */
class TemplateRaised extends Error {}

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Python's `datetime.now().strftime` in the C locale, for the directives chat templates use. */
function strftime(date: Date, format: string): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  const startOfYear = new Date(date.getFullYear(), 0, 1);
  const dayOfYear = Math.floor((date.getTime() - startOfYear.getTime()) / 86_400_000) + 1;
  const directives: Record<string, string> = {
    a: dayNames[date.getDay()]!.slice(0, 3),
    A: dayNames[date.getDay()]!,
    b: monthNames[date.getMonth()]!.slice(0, 3),
    B: monthNames[date.getMonth()]!,
    d: pad(date.getDate()),
    '-d': String(date.getDate()),
    e: String(date.getDate()).padStart(2, ' '),
    H: pad(date.getHours()),
    I: pad(hour12),
    j: pad(dayOfYear, 3),
    m: pad(date.getMonth() + 1),
    '-m': String(date.getMonth() + 1),
    M: pad(date.getMinutes()),
    p: date.getHours() < 12 ? 'AM' : 'PM',
    S: pad(date.getSeconds()),
    y: pad(date.getFullYear() % 100),
    Y: String(date.getFullYear()),
    '%': '%',
  };
  return format.replace(/%(-?[a-zA-Z%])/g, (whole, directive: string) => directives[directive] ?? whole);
}

/** Python's `range`, which templates use to count. */
function range(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const values: number[] = [];
  for (let value = from; step > 0 ? value < to : value > to; value += step) values.push(value);
  return values;
}

function compile(template: string, subject: string): Template {
  try {
    return new Template(template);
  } catch (error) {
    throw new InputError(`${subject} chat template in tokenizer_config.json ("chat_template") is not valid Jinja: ${(error as Error).message}; fix the template`, {
      code: 'chat-template-invalid',
      cause: error,
    });
  }
}

/**
 * Renders a conversation into a prompt as transformers' `apply_chat_template(tokenize=False)` does:
 * the template sees `messages`, `add_generation_prompt`, `bos_token`, `eos_token`, `raise_exception` and `strftime_now`.
 * @example
 * renderChatTemplate(tokenizer.chatTemplate, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true, subject: 'model "Qwen/Qwen3-0.6B"' });
 */
export function renderChatTemplate(template: string | undefined, messages: readonly ChatMessage[], options: RenderChatTemplateOptions): string {
  const { subject } = options;
  if (template === undefined) {
    throw new InputError(`${subject} has no chat template in tokenizer_config.json ("chat_template") and no default applies; add one or use a completion prompt`, {
      code: 'chat-template-missing',
    });
  }
  const program = compile(template, subject).parsed;

  // Template.render declares its own raise_exception and strftime_now and refuses to redeclare them, so the
  // environment is built here, with the same constants, and these two behaving as they do in transformers.
  const environment = new Environment();
  const variables: Record<string, unknown> = {
    true: true,
    false: false,
    none: null,
    True: true,
    False: false,
    None: null,
    range,
    raise_exception: (message: unknown) => {
      throw new TemplateRaised(String(message));
    },
    strftime_now: (format: unknown) => strftime(new Date(), String(format)),
    messages: messages.map((message) => ({ ...message })),
    add_generation_prompt: options.addGenerationPrompt,
    // Left undefined rather than null when absent, as transformers leaves unset special tokens out of the context.
    bos_token: options.bosToken,
    eos_token: options.eosToken,
  };
  for (const [name, value] of Object.entries(variables)) environment.set(name, value);

  try {
    const result = new Interpreter(environment).run(program);
    return String(result.value);
  } catch (error) {
    if (error instanceof TemplateRaised) {
      throw new InputError(`${subject} chat template refused the conversation: ${error.message}; change the messages to fit what the template accepts`, {
        code: 'chat-template-error',
        cause: error,
      });
    }
    throw new InputError(`${subject} chat template failed while rendering: ${(error as Error).message}; fix the template or the messages`, {
      code: 'chat-template-error',
      cause: error,
    });
  }
}
