-- Case materials (SPEC §6). Postgres keeps the metadata; the bytes live in
-- the object store under `blobs/<sha256>` (content-addressed: the same file
-- uploaded twice is stored once) and the rendering under `previews/<sha256>`.
-- A row is an upload: pending until a message of its uploader takes it
-- (message_id set once, in the send's transaction), then it follows the
-- message (a recalled message hides it).
create table attachments (
    id uuid primary key,
    conversation_id uuid not null references conversations(id),
    uploader_id uuid not null references users(id),
    message_id uuid references messages(id),
    name text not null check (length(name) between 1 and 255),
    content_type text not null,
    size bigint not null check (size > 0),
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    kind text not null check (kind in ('image', 'pdf', 'dicom', 'ecg', 'document', 'other')),
    width integer,
    height integer,
    dicom jsonb,
    has_preview boolean not null default false,
    created_at timestamptz not null default now()
);
-- a message's files, in upload order
create index attachments_by_message on attachments (message_id, created_at) where message_id is not null;
-- a conversation's materials, newest first (the case's Materials tab)
create index attachments_by_conversation on attachments (conversation_id, created_at desc, id desc) where message_id is not null;
-- an uploader's pending files (the pending-upload limit)
create index attachments_pending on attachments (uploader_id, created_at) where message_id is null;

-- A message of files alone (a photo without a caption) has an empty body;
-- the server allows that only when the message carries attachments.
alter table messages drop constraint messages_body_check;
alter table messages add constraint messages_body_check check (char_length(body) <= 16000);
