//! 收文登记: a registrar's incoming document with its PDF (or OFD) body and attachments becomes a
//! stored document and a started flow whose first task reaches the leader's feed, audited under
//! the registrar; a form with faults names every faulty field and stores nothing; a body that is
//! not what it claims and another unit's process definition are refused; the body is readable by
//! the registrar's unit only. Runs on SQLite, or on a fresh PostgreSQL database when
//! `QIANPI_TEST_POSTGRES` names a server.

mod data;
mod handlers;
mod pages;
