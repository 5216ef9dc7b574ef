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
