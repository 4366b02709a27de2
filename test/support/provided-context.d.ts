// What the global setup hands the tests.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}
