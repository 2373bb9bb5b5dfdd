-- Isso's schema (isso/db/*.py, 0.13) and a few rows: builds tests' isso.db.
CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
INSERT INTO threads VALUES (1, '/posts/first/', 'First post');
INSERT INTO threads VALUES (2, '/posts/second/', NULL);
INSERT INTO comments VALUES (1, 1, NULL, 1650000000.5, NULL, 1, '10.0.0.0', 'Привіт, *світ* 👋', 'Тарас', NULL, NULL, 0, 0, x'', 0);
INSERT INTO comments VALUES (1, 2, 1, 1650000100.0, NULL, 2, '10.0.0.0', 'Awaiting moderation', NULL, NULL, NULL, 0, 0, x'', 0);
INSERT INTO comments VALUES (1, 3, NULL, 1650000200.0, NULL, 4, '10.0.0.0', '', NULL, NULL, NULL, 0, 0, x'', 0);
INSERT INTO comments VALUES (1, 4, 3, 1650000300.0, NULL, 1, '10.0.0.0', 'Reply to a deleted comment', 'Ann', NULL, NULL, 0, 0, x'', 0);
INSERT INTO comments VALUES (2, 5, 99, 1650000400.0, NULL, 1, '10.0.0.0', 'Parent is missing', 'Bob', NULL, NULL, 0, 0, x'', 0);
INSERT INTO comments VALUES (2, 6, NULL, 1e300, NULL, 1, '10.0.0.0', 'Bad time', 'Cy', NULL, NULL, 0, 0, x'', 0);
INSERT INTO comments VALUES (3, 7, NULL, 1650000500.0, NULL, 1, '10.0.0.0', 'No thread', 'Dee', NULL, NULL, 0, 0, x'', 0);
