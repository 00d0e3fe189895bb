//! A small multi-line text editor for the communication overlay: type, backspace, delete,
//! enter, arrows, home/end. The cursor is (line, char index). Control and bidi characters
//! are refused (see [`crate::model::comms::allowed`]).

use crossterm::event::KeyCode;

/// Lines of text and a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    /// Never empty.
    pub lines: Vec<String>,
    /// Line index.
    pub row: usize,
    /// Char index in the line (not bytes, not columns).
    pub col: usize,
}

impl Editor {
    /// `text` split into lines (a final newline does not make an empty last line); the
    /// cursor at the end of the first line.
    pub fn new(text: &str) -> Self {
        let mut lines: Vec<String> = text
            .strip_suffix('\n')
            .unwrap_or(text)
            .split('\n')
            .map(str::to_string)
            .collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let col = lines[0].chars().count();
        Self { lines, row: 0, col }
    }

    /// The text, one newline after every line.
    pub fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }

    fn len(&self, row: usize) -> usize {
        self.lines.get(row).map_or(0, |l| l.chars().count())
    }

    /// Byte offset of char `col` in line `row`.
    fn byte(&self, row: usize, col: usize) -> usize {
        let line = &self.lines[row];
        line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
    }

    /// Inserts one character at the cursor (refused characters are dropped).
    pub fn insert(&mut self, c: char) {
        if !crate::model::comms::allowed(c) {
            return;
        }
        let at = self.byte(self.row, self.col);
        self.lines[self.row].insert(at, c);
        self.col += 1;
    }

    /// Splits the line at the cursor.
    pub fn newline(&mut self) {
        let at = self.byte(self.row, self.col);
        let tail = self.lines[self.row].split_off(at);
        self.lines.insert(self.row + 1, tail);
        self.row += 1;
        self.col = 0;
    }

    /// Deletes the character before the cursor, joining lines at the start of one.
    pub fn backspace(&mut self) {
        if self.col > 0 {
            let at = self.byte(self.row, self.col - 1);
            self.lines[self.row].remove(at);
            self.col -= 1;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.len(self.row);
            self.lines[self.row].push_str(&line);
        }
    }

    /// Deletes the character under the cursor, joining the next line at the end of one.
    pub fn delete(&mut self) {
        if self.col < self.len(self.row) {
            let at = self.byte(self.row, self.col);
            self.lines[self.row].remove(at);
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
        }
    }

    /// Applies an editing key; returns false for keys the editor does not use.
    pub fn key(&mut self, code: KeyCode) -> bool {
        match code {
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Enter => self.newline(),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left if self.col > 0 => self.col -= 1,
            KeyCode::Left if self.row > 0 => {
                self.row -= 1;
                self.col = self.len(self.row);
            }
            KeyCode::Right if self.col < self.len(self.row) => self.col += 1,
            KeyCode::Right if self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.col = 0;
            }
            KeyCode::Up if self.row > 0 => {
                self.row -= 1;
                self.col = self.col.min(self.len(self.row));
            }
            KeyCode::Down if self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.col = self.col.min(self.len(self.row));
            }
            KeyCode::Home => self.col = 0,
            KeyCode::End => self.col = self.len(self.row),
            KeyCode::Left | KeyCode::Right | KeyCode::Up | KeyCode::Down => {}
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn typed(e: &mut Editor, s: &str) {
        for c in s.chars() {
            e.key(KeyCode::Char(c));
        }
    }

    #[test]
    fn splits_lines_and_keeps_text() {
        let e = Editor::new("a\nbé\n");
        assert_eq!(e.lines, ["a", "bé"]);
        assert_eq!(e.text(), "a\nbé\n");
        assert_eq!((e.row, e.col), (0, 1));
        assert_eq!(Editor::new("").lines, [""]);
    }

    #[test]
    fn types_and_deletes_multibyte() {
        let mut e = Editor::new("Status: X\n");
        e.key(KeyCode::Backspace);
        typed(&mut e, "ÉTÉ ✅");
        assert_eq!(e.text(), "Status: ÉTÉ ✅\n");
        e.key(KeyCode::Left);
        e.key(KeyCode::Left);
        e.key(KeyCode::Backspace);
        assert_eq!(e.text(), "Status: ÉT ✅\n");
        e.key(KeyCode::Delete);
        assert_eq!(e.text(), "Status: ÉT✅\n");
    }

    #[test]
    fn enter_splits_and_backspace_joins() {
        let mut e = Editor::new("abcd\nef");
        e.key(KeyCode::Left);
        e.key(KeyCode::Left);
        e.key(KeyCode::Enter);
        assert_eq!(e.lines, ["ab", "cd", "ef"]);
        assert_eq!((e.row, e.col), (1, 0));
        e.key(KeyCode::Backspace);
        assert_eq!(e.lines, ["abcd", "ef"]);
        assert_eq!((e.row, e.col), (0, 2));
        e.key(KeyCode::End);
        e.key(KeyCode::Delete);
        assert_eq!(e.lines, ["abcdef"]);
    }

    #[test]
    fn arrows_stay_inside_and_wrap_lines() {
        let mut e = Editor::new("long line\nab\n");
        e.key(KeyCode::Down);
        assert_eq!((e.row, e.col), (1, 2));
        e.key(KeyCode::Down);
        e.key(KeyCode::Right);
        assert_eq!((e.row, e.col), (1, 2));
        e.key(KeyCode::Home);
        e.key(KeyCode::Left);
        assert_eq!((e.row, e.col), (0, 9));
        e.key(KeyCode::Right);
        assert_eq!((e.row, e.col), (1, 0));
        e.key(KeyCode::Up);
        e.key(KeyCode::Up);
        assert_eq!((e.row, e.col), (0, 0));
        e.key(KeyCode::Backspace);
        assert_eq!(e.text(), "long line\nab\n");
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        let mut e = Editor::new("");
        typed(&mut e, "a\u{1b}]52;c;x\u{7}b\u{202e}c\u{9b}d\u{200f}");
        assert_eq!(e.text(), "a]52;c;xbcd\n");
        assert!(!e.text().chars().any(|c| c.is_control() && c != '\n'));
    }

    #[test]
    fn unknown_keys_are_not_used() {
        let mut e = Editor::new("x");
        assert!(!e.key(KeyCode::Esc));
        assert!(!e.key(KeyCode::F(2)));
        assert!(e.key(KeyCode::Up));
    }
}
