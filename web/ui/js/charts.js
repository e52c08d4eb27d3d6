// Charts with Chart.js (installed from npm at build time, embedded, loaded
// only by the pages that draw charts). Every chart also gets a text
// alternative for screen readers.
import {h} from './dom.js';

const SCRIPT = '/ui/vendor/chart.umd.min.js';
let loading = null;
const live = new Set();

export function loadChartLibrary() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = SCRIPT;
      s.onload = () => resolve(window.Chart);
      s.onerror = () => {
        loading = null;
        reject(new Error('the chart library did not load'));
      };
      document.head.append(s);
    });
  }
  return loading;
}

// Destroys the charts of a page that is being replaced.
export function destroyCharts() {
  for (const chart of live) chart.destroy();
  live.clear();
}

const MIN_HEIGHT_PX = 180;
const BAR_ROW_PX = 34;
const AXIS_PX = 60;

export const PALETTE = ['#2563eb', '#0891b2', '#7c3aed', '#db2777', '#ea580c', '#ca8a04', '#16a34a', '#475569', '#dc2626', '#0d9488', '#9333ea', '#65a30d'];

// A bar chart of labels → values in a fixed-height box. `summary` is read
// out instead of the picture.
export function barChart(Chart, {labels, values, summary, horizontal = false, color = PALETTE[0], format}) {
  return groupedBarChart(Chart, {labels, summary, horizontal, format, datasets: [{values, color}]});
}

// A bar chart with several series side by side (or stacked), each
// {label, values, color}; a legend names the series when there is more
// than one. `format` turns a value into the words of the tooltips (and of
// the axis unless `tickFormat` is given).
export function groupedBarChart(Chart, {labels, datasets, summary, horizontal = false, stacked = false, format, tickFormat}) {
  const canvas = h('canvas', {role: 'img', 'aria-label': summary});
  const box = h('div', {class: 'chart-box'}, canvas);
  // A horizontal chart grows with its bars (set through the CSSOM, which
  // the Content-Security-Policy allows, unlike a style attribute).
  if (horizontal) box.style.height = `${Math.max(MIN_HEIGHT_PX, labels.length * BAR_ROW_PX + AXIS_PX)}px`;
  const valueAxis = horizontal ? 'x' : 'y';
  const labelAxis = horizontal ? 'y' : 'x';
  const chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: datasets.map((d) => ({
        label: d.label,
        data: d.values,
        backgroundColor: Array.isArray(d.color) ? d.color : labels.map(() => d.color || PALETTE[0]),
        borderRadius: 4,
        maxBarThickness: 38,
      })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: {display: datasets.length > 1, position: 'bottom'},
        tooltip: format ? {callbacks: {label: (item) => `${item.dataset.label ? `${item.dataset.label}: ` : ''}${format(item.raw)}`}} : {},
      },
      scales: {
        [valueAxis]: {beginAtZero: true, stacked, ticks: {precision: 0, callback: tickFormat || format ? (v) => (tickFormat || format)(v) : undefined}},
        [labelAxis]: {stacked},
      },
    },
  });
  live.add(chart);
  return box;
}
