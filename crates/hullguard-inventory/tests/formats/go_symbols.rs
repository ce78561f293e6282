//! The functions of Go binaries from their pclntab: app-mixed's stripped goapp, the same without
//! section headers, and hostile tables (truncated, a forged count, a non-Go ELF claiming build
//! info): errors, never panics, never a huge allocation.

use hullguard_inventory::format::go::parse_go_buildinfo;
use hullguard_inventory::format::go_symbols::{Error, GoSymbols, MAX_FUNCTIONS, go_symbols};
use object::{Object, ObjectSection};

use crate::go_hostile::{Rng, goapp};

fn symbols_of(bytes: &[u8]) -> Result<GoSymbols, Error> {
    go_symbols(&object::File::parse(bytes).expect("an object file"))
}

/// The file offset and size of goapp's `.gopclntab`.
fn pclntab() -> (usize, usize) {
    let file = object::File::parse(goapp()).unwrap();
    let (offset, size) = file.section_by_name(".gopclntab").unwrap().file_range().unwrap();
    (offset as usize, size as usize)
}

#[test]
fn stripped_goapp_has_its_functions() {
    let file = object::File::parse(goapp()).unwrap();
    assert_eq!(object::Object::symbols(&file).count(), 0, "app-mixed's goapp is stripped");
    let symbols = symbols_of(goapp()).unwrap();
    // What main.go calls, and the method spelling of advisories.
    assert!(symbols.has_symbol("main", "main"));
    assert!(symbols.has_symbol("golang.org/x/net/html", "Parse"));
    assert!(symbols.has_symbol("gopkg.in/yaml.v2", "Unmarshal"));
    assert!(symbols.has_symbol("github.com/dgrijalva/jwt-go", "Token.SignedString"));
    assert!(symbols.has_symbol("github.com/sirupsen/logrus", "Entry.Info"));
    // Linked packages whose functions main.go never reaches are not all there.
    assert!(!symbols.has_symbol("golang.org/x/net/html", "Render"));
    assert!(!symbols.has_package("net/http"));
    assert!(symbols.len() > 2000 && symbols.len() < MAX_FUNCTIONS, "{}", symbols.len());
}

#[test]
fn without_section_headers_the_table_is_found_in_the_segments() {
    let mut bytes = goapp().to_vec();
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    assert_eq!(symbols_of(&bytes).unwrap(), symbols_of(goapp()).unwrap());
}

#[test]
fn a_forged_function_count_is_an_error_not_an_allocation() {
    let (at, _) = pclntab();
    let mut bytes = goapp().to_vec();
    bytes[at + 8..at + 16].copy_from_slice(&(u64::MAX / 4).to_le_bytes());
    let err = symbols_of(&bytes).unwrap_err();
    assert!(matches!(err, Error::Count { count, .. } if count == u64::MAX / 4), "{err}");
    assert!(err.to_string().starts_with("pclntab function count 4611686018427387903 does not fit"), "{err}");
}

#[test]
fn a_truncated_table_is_an_error() {
    let (at, size) = pclntab();
    // Offsets of the Go 1.18 header pointing past the table's end: the function table and names.
    for word in [3usize, 4, 7] {
        let mut bytes = goapp().to_vec();
        let field = at + 8 + 8 * word;
        bytes[field..field + 8].copy_from_slice(&(size as u64 + 1).to_le_bytes());
        let err = symbols_of(&bytes).unwrap_err();
        assert!(matches!(err, Error::Truncated(_)), "word {word}: {err}");
    }
    // A header of a pointer size no Go writes is no table, and there is no other.
    let mut bytes = goapp().to_vec();
    bytes[at + 7] = 3;
    assert!(matches!(symbols_of(&bytes), Err(Error::Missing)));
}

#[test]
fn a_non_go_elf_claiming_build_info_has_no_table() {
    use object::write::{Object as Writer, StandardSection};
    let original = object::File::parse(goapp()).unwrap();
    let buildinfo = original.section_by_name(".go.buildinfo").unwrap().data().unwrap();
    let mut writer = Writer::new(object::BinaryFormat::Elf, object::Architecture::X86_64, object::Endianness::Little);
    let text = writer.section_id(StandardSection::Text);
    writer.append_section_data(text, &[0xc3; 64], 16);
    let section = writer.add_section(Vec::new(), b".go.buildinfo".to_vec(), object::SectionKind::Data);
    writer.append_section_data(section, buildinfo, 16);
    let elf = writer.write().unwrap();
    assert!(parse_go_buildinfo(&elf).unwrap().is_some(), "it claims Go build info");
    let err = symbols_of(&elf).unwrap_err();
    assert!(matches!(err, Error::Missing), "{err}");
}

#[test]
fn mutated_tables_do_not_panic() {
    let (at, size) = pclntab();
    let mut rng = Rng::new(0x05ee_d0f5_ca1e);
    for _ in 0..200 {
        let mut bytes = goapp().to_vec();
        for _ in 0..1 + rng.below(8) {
            // Mostly the header and function table, where offsets live.
            let span = if rng.below(2) == 0 { 128 } else { size };
            let i = at + rng.below(span);
            bytes[i] = rng.next() as u8;
        }
        let _ = symbols_of(&bytes);
    }
}
