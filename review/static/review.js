// The review page works without this script; it only adds conveniences to the questions
// form: a box that selects every question on the page, and a count of the selected ones that
// keeps the bulk buttons from submitting nothing.
(function () {
  "use strict";
  function enhance(form) {
    var boxes = form.querySelectorAll('input[type=checkbox][name=sel]');
    var bulk = form.querySelector('fieldset.bulk');
    if (!boxes.length || !bulk) { return; }
    var all = document.createElement('input');
    all.type = 'checkbox';
    all.id = 'sel-all';
    var label = document.createElement('label');
    label.htmlFor = 'sel-all';
    label.textContent = ' ' + (bulk.getAttribute('data-all') || form.getAttribute('data-all') || 'All');
    var count = document.createElement('span');
    count.setAttribute('role', 'status');
    count.className = 'note';
    var p = document.createElement('p');
    p.appendChild(all);
    p.appendChild(label);
    p.appendChild(document.createTextNode(' '));
    p.appendChild(count);
    bulk.insertBefore(p, bulk.firstChild.nextSibling);
    var buttons = bulk.querySelectorAll('button');
    function update() {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n++; } });
      all.checked = n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      count.textContent = (form.getAttribute('data-selected') || '%d').replace('%d', String(n));
      buttons.forEach(function (b) { b.disabled = n === 0; });
    }
    all.addEventListener('change', function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes.forEach(function (b) { b.addEventListener('change', update); });
    update();
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('form[data-bulk]').forEach(enhance);
  });
})();
