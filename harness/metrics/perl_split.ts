/**
 * Perl's `split(/PATTERN/, $line)` (no LIMIT), as conlleval.pl splits its input lines.
 *
 * @module
 */

const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/;
const PERL_SPACE = "\\t\\n\\v\\f\\r ";
/** Everything but PERL_SPACE, as ranges usable inside a character class. */
const PERL_NON_SPACE = "\\x00-\\x08\\x0e-\\x1f\\x21-\\uffff";

/**
 * Returns a function that splits a line the way Perl's `split(/$pattern/, $line)` does with no LIMIT:
 * - an empty line gives no fields;
 * - a match of positive width at the start gives an empty leading field, one of zero width does not;
 * - empty trailing fields are removed;
 * - the text of each capturing group is returned between fields (`""` for a group that did not take part);
 * - a zero-width match right at the start of a field is refused (pattern `x*` splits "ab" into "a", "b").
 *
 * `pattern` is Perl regex source. A pattern without regex syntax (e.g. `" "`, the conlleval default: exactly one
 * space, so two spaces make an empty field) is split on literally. Otherwise it is run as a JavaScript `RegExp`
 * with `.` matching any character (lines hold no newline). `\s`/`\S` are narrowed to Perl's ASCII set
 * `[\t\n\v\f\r ]` (Perl reads undecoded bytes; JavaScript's `\s` also matches U+00A0 and other Unicode spaces);
 * `\A`, `\z` and `\Z` become `^`/`$`. Perl-only syntax beyond that (`\h`, possessive quantifiers, `(?#…)`) is
 * not translated, and where a zero-width match at the field start is refused, Perl would retry other
 * alternatives at that position while this implementation moves one character on.
 *
 * @throws {SyntaxError} if the pattern is not a valid JavaScript regular expression.
 *
 * @example
 * ```ts
 * perlSplitter(" ")(" a  b ");   // ["", "a", "", "b"]
 * perlSplitter("\\t")("a b\tc"); // ["a b", "c"]
 * ```
 */
export function perlSplitter(pattern: string): (line: string) => string[] {
  if (pattern !== "" && !REGEX_SYNTAX.test(pattern)) {
    return (line) => dropTrailingEmpty(line.split(pattern));
  }
  const regex = new RegExp(translatePerlRegex(pattern), "gs");
  return (line) => splitByRegex(regex, line);
}

function splitByRegex(regex: RegExp, line: string): string[] {
  const fields: string[] = [];
  const end = line.length;
  let start = 0;
  while (start < end) {
    regex.lastIndex = start;
    let match = regex.exec(line);
    // Perl asks the regex engine for a match that ends after the field start.
    if (match !== null && match.index === start && match[0].length === 0) {
      regex.lastIndex = start + 1;
      match = regex.exec(line);
    }
    if (match === null) break;
    fields.push(line.slice(start, match.index));
    for (let group = 1; group < match.length; group++) fields.push(match[group] ?? "");
    start = match.index + match[0].length;
  }
  if (start < end) {
    fields.push(line.slice(start));
    return fields;
  }
  return dropTrailingEmpty(fields);
}

function dropTrailingEmpty(fields: string[]): string[] {
  let n = fields.length;
  while (n > 0 && fields[n - 1] === "") n--;
  fields.length = n;
  return fields;
}

/** Rewrites the Perl escapes whose JavaScript meaning differs (see {@link perlSplitter}). */
function translatePerlRegex(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\" && i + 1 < source.length) {
      const e = source[++i];
      if (e === "s") out += inClass ? PERL_SPACE : `[${PERL_SPACE}]`;
      else if (e === "S") out += inClass ? PERL_NON_SPACE : `[^${PERL_SPACE}]`;
      else if (e === "A" && !inClass) out += "^";
      else if ((e === "z" || e === "Z") && !inClass) out += "$";
      else out += c + e;
    } else if (c === "[" && !inClass) {
      inClass = true;
      out += c;
      if (source[i + 1] === "^") out += source[++i];
      // Perl reads a `]` right after `[` or `[^` as a literal; JavaScript would close an empty class.
      if (source[i + 1] === "]") {
        out += "\\]";
        i++;
      }
    } else {
      if (c === "]" && inClass) inClass = false;
      out += c;
    }
  }
  return out;
}
