//! `share::decode` past the base64 and DEFLATE layers: the input is the payload itself, wrapped in a
//! stored (uncompressed) DEFLATE block, so the fuzzer explores the payload parser directly. Whatever
//! opens must survive encode → decode.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use tlbrace_core::formats::share;

fuzz_target!(|data: &[u8]| {
    let Ok(len) = u16::try_from(data.len()) else {
        return;
    };
    // RFC 1951 §3.2.4: BFINAL=1, BTYPE=00, then LEN and NLEN, little-endian, then the bytes.
    let mut block = vec![0x01];
    block.extend_from_slice(&len.to_le_bytes());
    block.extend_from_slice(&(!len).to_le_bytes());
    block.extend_from_slice(data);
    let link = format!("{}{}", share::PREFIX, URL_SAFE_NO_PAD.encode(&block));
    if let Ok(s) = share::decode(&link) {
        let again = share::decode(&share::encode(&s));
        assert_eq!(again.as_ref(), Ok(&s), "re-encoded link opens differently");
    }
});
