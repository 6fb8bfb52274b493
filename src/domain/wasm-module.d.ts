/** A `.wasm` import is a compiled module (workerd's CompiledWasm; wrangler, vitest-pool-workers and the runner's bundle give it). */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
