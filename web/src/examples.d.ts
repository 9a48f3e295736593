/** The examples menu, generated from programs/ by web/build.ts at build time. */
declare module 'trapeze:examples' {
  const examples: readonly import('../build.js').Example[];
  export default examples;
}

/** Stylesheets imported for esbuild to bundle into app.css. */
declare module '*.css';
