import { describe, expect, it } from 'vitest';
import { passwordOf, printable, redact, redactDeep, redactUrl, registerSecret, splitPassword } from './redact.js';

describe('redaction', () => {
  it('masks the password of a URL, keeping the user', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(redactUrl('postgresql://app@db/x')).toBe('postgresql://app@db/x');
    expect(redactUrl('postgres://db/x?password=s3cret&sslmode=require')).toBe('postgres://db/x?password=***&sslmode=require');
  });

  it('masks registered secrets anywhere, encoded or not, in strings and JSON documents', () => {
    registerSecret('p@ss word!');
    expect(redact('auth failed for p@ss word! at p%40ss%20word!')).toBe('auth failed for *** at ***');
    expect(redactDeep({ a: ['x p@ss word! y'], n: 1 })).toEqual({ a: ['x *** y'], n: 1 });
  });
});

describe('redaction of malformed and non-URL connection strings', () => {
  it('masks a password with an unencoded @, / or : up to the last @', () => {
    expect(redactUrl('cannot connect to postgres://app:p@ss/w:rd@db:5432/x now')).toBe('cannot connect to postgres://app:***@db:5432/x now');
    expect(redactUrl('"postgresql://u:a@b@h/db"')).toBe('"postgresql://u:***@h/db"');
  });

  it('masks libpq key=value strings, quoted or not, and password query parameters', () => {
    expect(redactUrl("host=db user=app password=s3cret dbname=x")).toBe('host=db user=app password=*** dbname=x');
    expect(redactUrl("host=db password = 'it''s secret' dbname=x")).toBe("host=db password = *** dbname=x");
    expect(redactUrl('postgres://h/db?sslpassword=k3y&password=pw')).toBe('postgres://h/db?sslpassword=***&password=***');
    // A message's colon after the URL stays; a colon inside the password is masked with it.
    expect(redactUrl('cannot connect to postgres://u@h:1/db?password=hunter2: connect ECONNREFUSED')).toBe('cannot connect to postgres://u@h:1/db?password=***: connect ECONNREFUSED');
    expect(redactUrl('postgres://u@h/db?password=a:b:c&sslmode=disable')).toBe('postgres://u@h/db?password=***&sslmode=disable');
    expect(redactUrl('password=ends:')).toBe('password=***');
  });

  it("masks SQL's password literals, as a failing statement or a lint finding quotes them", () => {
    expect(redactUrl("sql: CREATE ROLE app LOGIN PASSWORD 'hunter2'")).toBe("sql: CREATE ROLE app LOGIN PASSWORD '***'");
    expect(redactUrl("ALTER ROLE app WITH ENCRYPTED password 'it''s' VALID UNTIL 'infinity'")).toBe("ALTER ROLE app WITH ENCRYPTED password '***' VALID UNTIL 'infinity'");
    expect(redactUrl("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'u', password E'p\\'w')")).toBe("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'u', password '***')");
    expect(redactUrl('ALTER ROLE app PASSWORD $pw$x$y$pw$;')).toBe("ALTER ROLE app PASSWORD '***';");
    // A column named password is not a secret.
    expect(redactUrl('ALTER TABLE users ADD COLUMN password text NOT NULL')).toBe('ALTER TABLE users ADD COLUMN password text NOT NULL');
  });

  it('finds the password of URLs that do not parse, to mask it everywhere', () => {
    expect(passwordOf('postgres://app:p@ss@db/x')).toBe('p@ss');
    expect(passwordOf('mysql://u:hunter22@h/db')).toBe('hunter22');
    expect(passwordOf('host=h password=kv-secret')).toBe('kv-secret');
    expect(passwordOf('postgres://h/db?password=q%40ery')).toBe('q@ery');
    expect(passwordOf('postgres://app@db/x')).toBeUndefined();
  });
});

describe('printable', () => {
  it("shows control characters as escapes (a file name's, a server message's), keeping line breaks and tabs, and masks secrets", () => {
    expect(printable('error: \u001b[2J"boom"\u0007 at\tline\n  fix: \r\u0000')).toBe('error: \\x1b[2J"boom"\\x07 at\tline\n  fix: \\x0d\\x00');
    expect(printable('postgres://app:s3cret@db/x \u009b')).toBe('postgres://app:***@db/x \\x9b');
  });
});

describe('splitPassword', () => {
  it('takes the password out of a URL (userinfo or query) or a libpq string, leaving the rest', () => {
    expect(splitPassword('postgres://app:s3cr%40t@db:5432/shop?sslmode=require')).toEqual({ url: 'postgres://app@db:5432/shop?sslmode=require', password: 's3cr@t' });
    // An unencoded @ or : in the password: the userinfo ends at the last @.
    expect(splitPassword('postgresql://app:p@ss:w@db/shop')).toEqual({ url: 'postgresql://app@db/shop', password: 'p@ss:w' });
    expect(splitPassword('postgres://app@db/shop?password=x1&sslmode=disable')).toEqual({ url: 'postgres://app@db/shop?sslmode=disable', password: 'x1' });
    expect(splitPassword('postgres://app@db/shop?sslmode=disable&password=x1')).toEqual({ url: 'postgres://app@db/shop?sslmode=disable', password: 'x1' });
    expect(splitPassword('postgres://app@db/shop?password=x1')).toEqual({ url: 'postgres://app@db/shop', password: 'x1' });
    expect(splitPassword("host=db dbname=shop password='a b' user=app")).toEqual({ url: 'host=db dbname=shop user=app', password: 'a b' });
    // Nothing to take: as it was.
    expect(splitPassword('postgres://app@db:5432/shop')).toEqual({ url: 'postgres://app@db:5432/shop' });
    expect(splitPassword('postgres:///shop?host=/var/run/postgresql')).toEqual({ url: 'postgres:///shop?host=/var/run/postgresql' });
  });
});
