-- Search that behaves like a shop's: the last word matches as a prefix while the
-- customer types ("headph" finds headphones), and a query that finds nothing is
-- tried again with its words corrected to the nearest words of product names
-- (pg_trgm, a trusted contrib extension: a database owner may create it).
create extension if not exists pg_trgm;

-- Every search scans the GIN index's pending list (new entries not merged yet) in
-- full: up to 4 MB by default, ~3 ms a query after a bulk insert until autovacuum
-- merges it. 256 kB bounds that and keeps inserts batched (fastupdate = off would
-- make seeding 40 % slower).
alter index catalog.products_search set (gin_pending_list_limit = 256);

-- The search's tsquery: web-search syntax, plus a prefix match on the last word
-- when the text ends inside a word of 3+ characters (not after a space, a quote or a
-- short word: 'c':* would match most of the catalog).
create function catalog.search_query(q text) returns tsquery
language sql immutable parallel safe as $$
  select case
    when q ~ '[[:alnum:]]{3}$'
      and (length(q) - length(replace(q, '"', ''))) % 2 = 0
      and websearch_to_tsquery('english', q)::text ~ '''$'
    then (websearch_to_tsquery('english', q)::text || ':*')::tsquery
    else websearch_to_tsquery('english', q)
  end
$$;

-- The words of product names, for typo correction; kept by the triggers below.
create table catalog.search_words (word text primary key);
create index search_words_trgm on catalog.search_words using gin (word gin_trgm_ops);

create function catalog.words_of(name text) returns setof text
language sql immutable parallel safe as $$
  select distinct w from regexp_split_to_table(lower(name), '[^[:alnum:]]+') w where length(w) between 2 and 40
$$;

create function catalog.remember_inserted_words() returns trigger language plpgsql as $$
begin
  insert into catalog.search_words (word)
  select distinct w from new_rows, catalog.words_of(new_rows.name) w
  on conflict do nothing;
  return null;
end $$;
create trigger products_words_inserted after insert on catalog.products
  referencing new table as new_rows for each statement execute function catalog.remember_inserted_words();

-- Row-level and only for a new name: stock updates (every checkout) never run it.
create function catalog.remember_renamed_words() returns trigger language plpgsql as $$
begin
  insert into catalog.search_words (word) select w from catalog.words_of(new.name) w on conflict do nothing;
  return null;
end $$;
create trigger products_words_renamed after update of name on catalog.products
  for each row when (old.name is distinct from new.name) execute function catalog.remember_renamed_words();

insert into catalog.search_words (word)
select distinct w from catalog.products, catalog.words_of(name) w on conflict do nothing;

-- The query with each word that is not a known word (nor, for the last one, the
-- start of one) replaced by the most similar known word; null when nothing changes.
-- Words are never deleted: a word that finds nothing any more finds nothing again.
create function catalog.corrected_query(q text) returns text
language sql stable parallel safe
set pg_trgm.similarity_threshold = 0.2
set pg_trgm.word_similarity_threshold = 0.3
as $$
  with typed as (
    select w, n, n = max(n) over () as last
    from regexp_split_to_table(lower(left(q, 200)), '[^[:alnum:]]+') with ordinality as t(w, n)
    where w <> ''
  ), fixed as (
    select n, w, coalesce(
      (select w from catalog.search_words s where s.word = typed.w or (typed.last and s.word like typed.w || '%') limit 1),
      case when typed.last
        then (select s.word from catalog.search_words s where typed.w <% s.word
              order by word_similarity(typed.w, s.word) desc, similarity(typed.w, s.word) desc, s.word limit 1)
        else (select s.word from catalog.search_words s where s.word % typed.w
              order by similarity(s.word, typed.w) desc, s.word limit 1)
      end,
      w) as fix
    from typed
  )
  select case when bool_or(fix <> w) then string_agg(fix, ' ' order by n) end from fixed
$$;
