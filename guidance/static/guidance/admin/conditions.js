// Condition rows: show only the values of the chosen fact in the value list. Without
// JavaScript every value stays visible and the form still refuses a value of another fact.
'use strict';
{
    function sync(row) {
        const fact = row.querySelector('select[data-condition-fact]');
        const values = row.querySelector('select[data-condition-values]');
        if (!fact || !values) {
            return;
        }
        for (const group of values.querySelectorAll('optgroup')) {
            const own = group.label === fact.value;
            group.hidden = !own;
            group.disabled = !own;
        }
    }

    function syncAll() {
        document.querySelectorAll('select[data-condition-fact]').forEach(function(fact) {
            sync(fact.closest('tr') || fact.closest('fieldset') || document);
        });
    }

    document.addEventListener('change', function(event) {
        if (event.target.matches('select[data-condition-fact]')) {
            sync(event.target.closest('tr') || event.target.closest('fieldset') || document);
        }
    });
    document.addEventListener('formset:added', syncAll);
    window.addEventListener('load', syncAll);
}
