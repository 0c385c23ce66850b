-- Chat stalled for about a tenth of a second every 8,750 messages (every
-- 17.5 s at 500 msg/s, `bench/attachments.sh`'s timeline of slow acks): the
-- search index gathers new entries in a pending list, and the insert that
-- fills the default 4 MB list merges it into the index itself, inside the
-- batch statement that holds the conversations' locks, so every sender in
-- those conversations waited. A 256 kB list is merged sixteen times as often
-- at a sixteenth of the cost each: no ack above 30 ms with chat alone
-- (max 25 ms, against 82-135 ms before). Autovacuum still merges it in the
-- background when it gets there first.
alter index messages_search_keys set (gin_pending_list_limit = 256);
