//! The FAQ knowledge base: entries, loading (JSONL, CSV/TSV, the minimal
//! import form) with validation, and browsing by category.

mod entry;
mod load;

pub use entry::{Escalation, FaqEntry, Link};
pub use load::{corpus_files, load_corpus, load_file, parse_csv, parse_jsonl, skipped_files};

use crate::error::{Error, Result};

/// A validated set of FAQ entries with unique ids.
///
/// ```
/// use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
/// let kb = KnowledgeBase::new(vec![
///     FaqEntry::new("a-1", "支払日はいつですか", "毎月27日です。").with_category("カード"),
/// ])?;
/// assert_eq!(kb.categories()[0].name, "カード");
/// # Ok::<(), madoguchi::Error>(())
/// ```
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "KnowledgeBaseData", into = "KnowledgeBaseData")]
pub struct KnowledgeBase {
    entries: Vec<FaqEntry>,
    /// Entry positions sorted by id, searched by binary search: a map of
    /// cloned ids cost about 1 MB at 10,000 entries for a lookup or two
    /// per turn.
    by_id: Vec<u32>,
    /// Counted once per change: a fallback reply lists them on every turn
    /// that finds nothing, and counting walks every entry.
    categories: Vec<Category>,
}

/// The serialized form: the entries only; the id index is rebuilt (and the
/// entries validated) on the way back in.
#[derive(serde::Serialize, serde::Deserialize)]
struct KnowledgeBaseData {
    entries: Vec<FaqEntry>,
}

impl TryFrom<KnowledgeBaseData> for KnowledgeBase {
    type Error = Error;
    fn try_from(data: KnowledgeBaseData) -> Result<Self> {
        KnowledgeBase::new(data.entries)
    }
}

impl From<KnowledgeBase> for KnowledgeBaseData {
    fn from(kb: KnowledgeBase) -> Self {
        KnowledgeBaseData { entries: kb.entries }
    }
}

/// A category with its subcategories and entry count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Category {
    /// Category name.
    pub name: String,
    /// Number of entries.
    pub entries: usize,
    /// Subcategory names with their entry counts, in first-seen order.
    pub subcategories: Vec<(String, usize)>,
}

impl KnowledgeBase {
    /// Builds a knowledge base, rejecting duplicate ids and empty fields.
    pub fn new(entries: Vec<FaqEntry>) -> Result<Self> {
        let mut errors = Vec::new();
        for e in &entries {
            if let Err(err) = e.validate() {
                errors.push(err);
            }
        }
        let Ok(count) = u32::try_from(entries.len()) else {
            return Err(Error::InvalidInput(format!("{} entries: at most {} are supported", entries.len(), u32::MAX)));
        };
        let mut by_id: Vec<u32> = (0..count).collect();
        // Stable: equal ids stay in load order, the first defined first.
        by_id.sort_by(|a, b| entries[*a as usize].id.cmp(&entries[*b as usize].id));
        let mut duplicates: Vec<(usize, usize)> = by_id
            .windows(2)
            .filter(|w| entries[w[0] as usize].id == entries[w[1] as usize].id)
            .map(|w| (w[1] as usize, w[0] as usize))
            .collect();
        duplicates.sort_unstable();
        for (i, prev) in duplicates {
            let (e, first) = (&entries[i], &entries[prev]);
            errors.push(Error::Corpus {
                path: e.source.file.clone().into(),
                line: e.source.line,
                message: format!("duplicate id {:?} (first defined at {}:{})", e.id, first.source.file, first.source.line),
            });
        }
        if let Some(e) = Error::from_many(errors) {
            return Err(e);
        }
        let categories = count_categories(&entries);
        Ok(Self { entries, by_id, categories })
    }

    /// All entries, in load order.
    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&FaqEntry> {
        self.position(id).map(|i| &self.entries[i])
    }

    /// The load-order position (ordinal) of the entry with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.search_id(id).ok().map(|at| self.by_id[at] as usize)
    }

    /// Where `id` is in `by_id`, or where it would go.
    fn search_id(&self, id: &str) -> std::result::Result<usize, usize> {
        self.by_id.binary_search_by(|i| self.entries[*i as usize].id.as_str().cmp(id))
    }

    /// Adds an entry, or replaces the one with the same id. Returns the
    /// replaced entry.
    pub fn upsert(&mut self, entry: FaqEntry) -> Result<Option<FaqEntry>> {
        entry.validate()?;
        let replaced = match self.search_id(&entry.id) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[self.by_id[at] as usize], entry)),
            Err(at) => {
                let Ok(next) = u32::try_from(self.entries.len()) else {
                    return Err(Error::InvalidInput(format!("at most {} entries are supported", u32::MAX)));
                };
                self.by_id.insert(at, next);
                self.entries.push(entry);
                None
            }
        };
        self.categories = count_categories(&self.entries);
        Ok(replaced)
    }

    /// Categories in first-seen order, with counts.
    pub fn categories(&self) -> Vec<Category> {
        self.categories.clone()
    }

    /// The category names in first-seen order.
    ///
    /// ```
    /// use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
    /// let kb = KnowledgeBase::new(vec![
    ///     FaqEntry::new("a-1", "支払日はいつですか", "毎月27日です。").with_category("カード"),
    ///     FaqEntry::new("a-2", "送料はいくらですか", "無料です。"),
    /// ])?;
    /// assert_eq!(kb.category_names().collect::<Vec<_>>(), ["カード", "未分類"]);
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn category_names(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().map(|c| c.name.as_str())
    }

    /// Entries of one category (optionally one subcategory), for browsing.
    pub fn browse<'a>(&'a self, category: &str, subcategory: Option<&str>) -> Vec<&'a FaqEntry> {
        self.entries
            .iter()
            .filter(|e| e.category.as_deref().unwrap_or("未分類") == category)
            .filter(|e| subcategory.is_none() || e.subcategory.as_deref() == subcategory)
            .collect()
    }
}

/// Categories in first-seen order, with counts.
fn count_categories(entries: &[FaqEntry]) -> Vec<Category> {
    let mut order: Vec<Category> = Vec::new();
    for e in entries {
        let name = e.category.clone().unwrap_or_else(|| "未分類".into());
        let idx = match order.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                order.push(Category { name, entries: 0, subcategories: Vec::new() });
                order.len() - 1
            }
        };
        let cat = &mut order[idx];
        cat.entries += 1;
        if let Some(sub) = &e.subcategory {
            match cat.subcategories.iter_mut().find(|(n, _)| n == sub) {
                Some((_, n)) => *n += 1,
                None => cat.subcategories.push((sub.clone(), 1)),
            }
        }
    }
    order
}
