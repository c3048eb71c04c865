// CSV as spreadsheets must receive it: the rule of src/base/table.rs (`spreadsheet_text`, checked
// against this file by tests/suite/viewer.rs), so that opening a download never runs a formula.

// A text field with a leading `'` where it starts with `=`, `+`, `-`, `@`, a tab or a carriage
// return (OWASP's rule for CSV injection).
export function spreadsheetText(text) {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

// One CSV field: neutralised, then quoted where it holds a quote, a comma or a line break.
export function csvField(text) {
  const safe = spreadsheetText(text);
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
