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

export const PALETTE = ['#2563eb', '#0891b2', '#7c3aed', '#db2777', '#ea580c', '#ca8a04', '#16a34a', '#475569', '#dc2626', '#0d9488', '#9333ea', '#65a30d'];

// A bar chart of labels → values in a fixed-height box. `summary` is read
// out instead of the picture.
export function barChart(Chart, {labels, values, summary, horizontal = false, color = PALETTE[0], format}) {
  const canvas = h('canvas', {role: 'img', 'aria-label': summary});
  const box = h('div', {class: `chart-box${horizontal ? ' chart-tall' : ''}`}, canvas);
  const chart = new Chart(canvas, {
    type: 'bar',
    data: {labels, datasets: [{data: values, backgroundColor: Array.isArray(color) ? color : labels.map(() => color), borderRadius: 4, maxBarThickness: 38}]},
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: {display: false},
        tooltip: format ? {callbacks: {label: (item) => format(item.raw)}} : {},
      },
      scales: {
        [horizontal ? 'x' : 'y']: {beginAtZero: true, ticks: {precision: 0, callback: format ? (v) => format(v) : undefined}},
      },
    },
  });
  live.add(chart);
  return box;
}
