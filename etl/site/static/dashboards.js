// The charts' "⋯" actions menu (vega-embed) in Chinese. datasette-dashboards calls
// vegaEmbed(el, spec) without options, so the function is wrapped as vega-embed.min.js sets it
// (this file loads before it, not deferred) and every chart gets the i18n option.
const OGI_VEGA_I18N = {
  CLICK_TO_VIEW_ACTIONS: "图表操作",
  COMPILED_ACTION: "查看编译后的 Vega 定义",
  EDITOR_ACTION: "在 Vega 编辑器中打开",
  PNG_ACTION: "保存为 PNG 图片",
  SOURCE_ACTION: "查看图表定义",
  SVG_ACTION: "保存为 SVG 图片",
};
(() => {
  let embed;
  Object.defineProperty(globalThis, "vegaEmbed", {
    configurable: true,
    get: () => embed,
    set: (real) => {
      embed = Object.assign(
        (el, spec, opts) => real(el, spec, { ...opts, i18n: { ...OGI_VEGA_I18N, ...opts?.i18n } }),
        real);
    },
  });
})();

// datasette-dashboards writes a few words in English inside its page's content block (the
// filter form's button, the too-many-rows warning): said in Chinese here, not copied.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".dashboard-filters input[type=submit]").forEach((b) => {
    b.value = "筛选";
  });
  document.querySelectorAll(".chart-tooltip").forEach((t) => {
    t.title = t.title.replace(/^SQL query returning more than (\d+) rows$/, "查询结果超过 $1 行，只画出了前 $1 行");
  });
  document.querySelectorAll(".dashboard-toolbar button").forEach((b) => {
    if (b.textContent.trim() === "Fullscreen") b.textContent = "全屏";
  });
});
