import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

/** Passes a stream through while hashing it; an error of the source ends the hashed stream too, so readers see it. */
export function hashing(source: Readable): { transform: Transform; bytesSoFar(): number; digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  source.on('error', (error) => transform.destroy(error));
  transform.on('close', () => source.destroy());
  source.pipe(transform);
  return { transform, bytesSoFar: () => bytes, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}
