// Builds the page into dist/: one minified script bundle (the generated client and connect-web
// included), the stylesheet, the HTML and the icon. The output depends only on the sources and
// the pinned esbuild, so CI can rebuild it and compare with what is committed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  outfile: "dist/app.js",
  legalComments: "none",
  logLevel: "warning",
});
for (const f of ["index.html", "app.css", "favicon.svg"]) {
  copyFileSync(`src/${f}`, `dist/${f}`);
}
