// Fills in counts that are fetched after the page (text search can take a while to count).
document.querySelectorAll("[data-count-url]").forEach(async (el) => {
  try {
    const response = await fetch(el.dataset.countUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    el.textContent = data.text;
    el.dataset.count = data.count;
  } catch (err) {
    el.textContent = "count unavailable";
  }
});
