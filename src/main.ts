import module from 'node:module';

// Node 22.1+ keeps the compiled code of every loaded module on disk (in the OS temp directory, or
// NODE_COMPILE_CACHE), so later starts skip most of the compilation of ~1,500 modules that start-up
// spends its time on (issue 12). Node 20 has no such function: it starts as before. The server is
// imported after the call, or its modules would be compiled before the cache is on.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./server.js');
