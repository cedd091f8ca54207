#!/usr/bin/env node
console.log('ser bin ok', process.argv.slice(2));
