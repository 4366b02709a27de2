// The entry point of the `lora` command.
import { main } from './main.js';

process.exitCode = await main(process.argv);
