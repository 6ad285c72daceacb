// Builds the page into dist/: one minified script bundle (the generated client and connect-web
// included), the stylesheet, the HTML and the icon. The output depends only on the sources and
// the pinned esbuild, so CI can rebuild it and compare with what is committed.
//
// The page uses the TypeScript client's generated code and error helpers
// (../typescript/src/gen, ../typescript/src/errors.ts): one generated copy. Their imports of
// the protobuf and Connect runtimes resolve here, in the page's node_modules, so that the
// bundle holds one copy of each (two would double its size and break `instanceof
// ConnectError`); the build fails if any module came from the client's node_modules.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { resolve, sep } from "node:path";

const here = resolve(".");
const oneRuntime = {
  name: "one-runtime",
  setup(b) {
    b.onResolve({ filter: /^@(bufbuild|connectrpc)\// }, (args) => {
      if (args.resolveDir.startsWith(here + sep + "src") || args.pluginData === "here") return undefined;
      return b.resolve(args.path, { kind: args.kind, resolveDir: resolve("src"), pluginData: "here" });
    });
  },
};

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
const result = await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  outfile: "dist/app.js",
  legalComments: "none",
  logLevel: "warning",
  plugins: [oneRuntime],
  metafile: true,
});
const foreign = Object.keys(result.metafile.inputs).filter((f) => f.startsWith("../typescript/node_modules/"));
if (foreign.length > 0) {
  throw new Error(`bundled from the client's node_modules (a second runtime): ${foreign.join(", ")}`);
}
for (const f of ["index.html", "app.css", "favicon.svg"]) {
  copyFileSync(`src/${f}`, `dist/${f}`);
}
