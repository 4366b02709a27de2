#!/usr/bin/env node
// The `lora` command: runs the compiled CLI (`npm ci` builds it through the prepare script).
import '../dist/pipeline/cli/lora.js';
