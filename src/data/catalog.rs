//! Reading a shop's catalogue file (one row per product) into typed attributes aligned with a
//! model's items: every column but the id (and title) is kept, its type given or inferred.

use std::collections::HashMap;
use std::path::Path;

use super::interner::Interner;
use super::table::Table;
use super::time::{format_timestamp, parse_timestamp_in, DateOrder};
use crate::error::{Error, Result};
use crate::recs::attributes::{AttrType, Attribute, Attributes, Column, NO_CODE};
use crate::recs::ItemIndex;

/// How to read a catalogue file.
#[derive(Debug, Clone, Default)]
pub struct CatalogOptions {
    /// Column holding the item id (a name, or a 1-based position).
    pub id_col: String,
    /// Column holding the title, if any (kept as the catalogue's title, not an attribute).
    pub title_col: Option<String>,
    /// Columns to keep, each with a type or `None` to infer one; `None` keeps every column.
    pub cols: Option<Vec<(String, Option<AttrType>)>>,
    /// Field separator and code page.
    pub format: super::source::CsvFormat,
}

/// A catalogue as read: ids, titles, and each kept column's raw cells and type.
#[derive(Debug, Clone)]
pub struct CatalogFile {
    /// Item ids, one per row.
    pub ids: Vec<String>,
    /// Titles, when a title column was named.
    pub titles: Option<Vec<String>>,
    /// Kept columns: name, type, one cell per row.
    pub columns: Vec<(String, AttrType, Vec<String>)>,
    /// What reading found that a run should say ([`Table::notices`]).
    pub notices: Vec<String>,
}

/// Parses `--catalog-cols`: `name[:type],…` with types number, bool, string, set, time.
pub fn parse_columns(s: &str) -> Result<Vec<(String, Option<AttrType>)>> {
    s.split(',')
        .filter(|c| !c.trim().is_empty())
        .map(|c| match c.rsplit_once(':') {
            Some((name, t)) => AttrType::from_name(t.trim())
                .map(|t| (name.trim().to_string(), Some(t)))
                .ok_or_else(|| Error::param("--catalog-cols", c, "types are number, bool, string, set, time")),
            None => Ok((c.trim().to_string(), None)),
        })
        .collect()
}

impl CatalogFile {
    /// What describes row `r` for look-alike matching: its title and its string and set
    /// attribute values, space-separated.
    pub fn text(&self, r: usize) -> String {
        let mut t = self.titles.as_ref().map_or(String::new(), |titles| titles[r].clone());
        for (_, ty, cells) in &self.columns {
            if matches!(ty, AttrType::String | AttrType::Set) && !cells[r].is_empty() {
                t.push(' ');
                t.push_str(&cells[r].replace('|', " "));
            }
        }
        t
    }

    /// Reads `path` (CSV, optionally compressed). A repeated or empty id is an error naming its line.
    /// Numbers with a decimal comma are read as [`Table::point_decimal_commas`] reads them.
    pub fn read(path: &Path, opts: &CatalogOptions) -> Result<Self> {
        let mut t = Table::read(path, opts.format)?;
        let id = t.column(&opts.id_col)?;
        let title = opts.title_col.as_deref().map(|c| t.column(c)).transpose()?;
        t.point_decimal_commas(&[Some(id), title].into_iter().flatten().collect::<Vec<_>>());
        let wanted: Vec<(usize, Option<AttrType>)> = match &opts.cols {
            Some(cols) => cols.iter().map(|(c, ty)| Ok((t.column(c)?, *ty))).collect::<Result<_>>()?,
            None => (0..t.header.len()).filter(|c| *c != id && Some(*c) != title).map(|c| (c, None)).collect(),
        };
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(t.rows.len());
        for (r, row) in t.rows.iter().enumerate() {
            let v = row[id].as_str();
            if v.is_empty() {
                return Err(Error::BadRow {
                    location: t.location(r, id),
                    value: String::new(),
                    reason: "empty item id".into(),
                });
            }
            if let Some(first) = seen.insert(v, r) {
                let reason = format!("item id repeated (first at {})", t.row_place(first));
                return Err(Error::BadRow { location: t.location(r, id), value: v.into(), reason });
            }
        }
        let mut columns = Vec::with_capacity(wanted.len());
        for (c, ty) in wanted {
            let cells: Vec<String> = t.rows.iter().map(|row| row[c].trim().to_string()).collect();
            let ty = match ty {
                Some(ty) => ty,
                None => infer(&cells),
            };
            if let Some(r) = cells.iter().position(|v| !v.is_empty() && !fits(v, ty)) {
                let reason = format!("not a {} (the column's type)", ty.name());
                return Err(Error::BadRow { location: t.location(r, c), value: cells[r].clone(), reason });
            }
            let cells = match ty {
                AttrType::Time => in_one_date_order(cells).map_err(|(r, reason)| Error::BadRow {
                    location: t.location(r, c),
                    value: t.rows[r][c].trim().to_string(),
                    reason,
                })?,
                _ => cells,
            };
            columns.push((t.header[c].clone(), ty, cells));
        }
        Ok(Self {
            notices: t.notices(),
            ids: t.rows.iter().map(|row| row[id].clone()).collect(),
            titles: title.map(|c| t.rows.iter().map(|row| row[c].clone()).collect()),
            columns,
        })
    }

    /// The attributes of `items` (items absent from the file get missing values), and how
    /// many catalogue rows name no item of the model.
    pub fn attributes_for(&self, items: &ItemIndex) -> Result<(Attributes, usize)> {
        let row_of: Vec<Option<usize>> = {
            let mut m = vec![None; items.len()];
            for (r, id) in self.ids.iter().enumerate() {
                if let Some(i) = items.get(id) {
                    m[i as usize] = Some(r);
                }
            }
            m
        };
        let unmatched = self.ids.len() - row_of.iter().flatten().count();
        let mut attrs = Vec::with_capacity(self.columns.len());
        for (name, ty, cells) in &self.columns {
            let cell = |i: usize| row_of[i].map(|r| cells[r].as_str()).filter(|v| !v.is_empty());
            let column = match ty {
                AttrType::Number => {
                    Column::Number((0..items.len()).map(|i| cell(i).map_or(f64::NAN, number)).collect())
                }
                AttrType::Time => Column::Number(
                    (0..items.len())
                        .map(|i| cell(i).and_then(super::time::parse_timestamp).map_or(f64::NAN, |t| t as f64))
                        .collect(),
                ),
                AttrType::Bool => {
                    Column::Bool((0..items.len()).map(|i| cell(i).and_then(boolean).map_or(2, u8::from)).collect())
                }
                AttrType::String => {
                    let mut dict = Interner::default();
                    let codes = (0..items.len()).map(|i| cell(i).map_or(NO_CODE, |v| dict.intern(v))).collect();
                    Column::String { dict: dict.into_names().into_strings(), codes }
                }
                AttrType::Set => {
                    let mut dict = Interner::default();
                    let (mut ends, mut codes) = (Vec::with_capacity(items.len()), Vec::new());
                    for i in 0..items.len() {
                        let mut run: Vec<u32> = cell(i)
                            .into_iter()
                            .flat_map(|v| v.split('|'))
                            .map(str::trim)
                            .filter(|v| !v.is_empty())
                            .map(|v| dict.intern(v))
                            .collect();
                        run.sort_unstable();
                        run.dedup();
                        codes.extend(run);
                        ends.push(codes.len() as u32);
                    }
                    Column::Set { dict: dict.into_names().into_strings(), ends, codes }
                }
            };
            attrs.push(Attribute::new(name.clone(), *ty, column)?);
        }
        Ok((Attributes::new(items.len(), attrs)?, unmatched))
    }
}

fn number(v: &str) -> f64 {
    v.parse::<f64>().ok().filter(|x| x.is_finite()).unwrap_or(f64::NAN)
}

/// `propensity::value::parse_bool` without `1`/`0` and `t`/`f`: a catalogue column of 0s and 1s
/// (a stock count) is inferred as numbers, and stays comparable as one.
fn boolean(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" => Some(true),
        "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn fits(v: &str, ty: AttrType) -> bool {
    match ty {
        AttrType::Number => !number(v).is_nan(),
        AttrType::Bool => boolean(v).is_some(),
        AttrType::Time => parse_timestamp_in(v, DateOrder::shown_by(v).unwrap_or_default()).is_some(),
        AttrType::String | AttrType::Set => true,
    }
}

/// A column of times with its slash dates read in the order the column shows: month first,
/// unless a date shows day first (`13/3/2024`), when its slash dates are rewritten as ISO times
/// (which read the same in any order). A column showing both orders is an error naming the
/// first date of the order shown later (its row, and why).
fn in_one_date_order(mut cells: Vec<String>) -> std::result::Result<Vec<String>, (usize, String)> {
    match DateOrder::of_column(cells.iter().map(String::as_str)) {
        Err((d, m)) => {
            let (first, other) = (d.min(m), d.max(m));
            let reason = format!("the column's dates are in both orders: {:?} and this one", cells[first]);
            Err((other, reason))
        }
        Ok(Some(DateOrder::DayFirst)) => {
            for v in cells.iter_mut().filter(|v| v.contains('/')) {
                if let Some(t) = parse_timestamp_in(v, DateOrder::DayFirst) {
                    *v = format_timestamp(t);
                }
            }
            Ok(cells)
        }
        _ => Ok(cells),
    }
}

/// The type a column's non-empty cells suggest: booleans (true/false, yes/no), numbers,
/// dates (not plain numbers: those stay numbers), sets (some cell holds `|`), else strings.
fn infer(cells: &[String]) -> AttrType {
    let values: Vec<&str> = cells.iter().map(String::as_str).filter(|v| !v.is_empty()).collect();
    let all = |ty| values.iter().all(|v| fits(v, ty));
    if values.is_empty() {
        AttrType::String
    } else if all(AttrType::Bool) {
        AttrType::Bool
    } else if all(AttrType::Number) {
        AttrType::Number
    } else if all(AttrType::Time) {
        AttrType::Time
    } else if values.iter().any(|v| v.contains('|')) {
        AttrType::Set
    } else {
        AttrType::String
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_infers_and_aligns_with_the_model() {
        let dir = std::env::temp_dir().join(format!("shelfwise-catalog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("catalog.csv");
        std::fs::write(
            &path,
            "id,title,price,in_stock,category,tags,created\n\
             a,Train,12.5,yes,toys,red|wood,2026-01-02\n\
             b,Doll,,no,toys,,2026-02-01\n\
             z,Gift card,25,true,gift-cards,sale,2026-03-01\n",
        )
        .unwrap();
        let opts =
            CatalogOptions { id_col: "id".into(), title_col: Some("title".into()), format: b','.into(), cols: None };
        let cat = CatalogFile::read(&path, &opts).unwrap();
        let types: Vec<(&str, AttrType)> = cat.columns.iter().map(|(n, t, _)| (n.as_str(), *t)).collect();
        use AttrType::*;
        assert_eq!(
            types,
            [("price", Number), ("in_stock", Bool), ("category", String), ("tags", Set), ("created", Time)]
        );
        assert_eq!(cat.titles.as_deref().unwrap()[2], "Gift card");
        let items = ItemIndex::new(["b", "a", "c"]).unwrap();
        let (attrs, unmatched) = cat.attributes_for(&items).unwrap();
        assert_eq!(unmatched, 1, "z is not a model item");
        let price = attrs.find("price").unwrap().1;
        assert_eq!((price.number(0), price.number(1), price.number(2)), (None, Some(12.5), None));
        let tags = attrs.find("tags").unwrap().1;
        assert_eq!(tags.set(1).collect::<Vec<_>>(), ["red", "wood"]);
        assert_eq!(attrs.find("in_stock").unwrap().1.bool(0), Some(false));
        assert_eq!(attrs.find("created").unwrap().1.number(1), Some(1_767_312_000.0));

        std::fs::write(&path, "id,price\na,1\na,2\n").unwrap();
        let e = CatalogFile::read(&path, &CatalogOptions { title_col: None, ..opts.clone() }).unwrap_err().to_string();
        assert!(e.contains(":3") && e.contains("repeated"), "{e}");
        let typed = CatalogOptions { cols: Some(parse_columns("price:bool").unwrap()), title_col: None, ..opts };
        std::fs::write(&path, "id,price\na,1\n").unwrap();
        let e = CatalogFile::read(&path, &typed).unwrap_err().to_string();
        assert!(e.contains("not a bool"), "{e}");
        assert!(parse_columns("x:colour").is_err());
    }

    #[test]
    fn slash_dates_are_read_in_the_order_the_column_shows() {
        let dir = std::env::temp_dir().join(format!("shelfwise-catalog-dates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("catalog.csv");
        let opts = CatalogOptions { id_col: "id".into(), title_col: None, format: b','.into(), cols: None };
        let created = |csv: &str| {
            std::fs::write(&path, csv).unwrap();
            let cat = CatalogFile::read(&path, &opts)?;
            let (attrs, _) = cat.attributes_for(&ItemIndex::new(["a", "b"]).unwrap()).unwrap();
            let created = attrs.find("created").unwrap().1;
            Ok::<_, Error>((created.ty(), created.number(0), created.number(1)))
        };
        let day = |d: i64, m: i64| Some((crate::data::time::days_from_civil(2026, m, d) * 86_400) as f64);
        // Day first (UK, Europe): the 13th shows it, and the 2nd of January is read so too.
        assert_eq!(
            created("id,created\na,02/01/2026\nb,13/01/2026\n").unwrap(),
            (AttrType::Time, day(2, 1), day(13, 1))
        );
        // Month first (US), shown or not.
        assert_eq!(
            created("id,created\na,02/01/2026\nb,01/13/2026\n").unwrap(),
            (AttrType::Time, day(1, 2), day(13, 1))
        );
        assert_eq!(
            created("id,created\na,02/01/2026\nb,2026-01-13\n").unwrap(),
            (AttrType::Time, day(1, 2), day(13, 1))
        );
        let e = created("id,created\na,13/01/2026\nb,01/13/2026\n").map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("catalog.csv:3") && e.contains("in both orders: \"13/01/2026\""), "{e}");
    }
}
