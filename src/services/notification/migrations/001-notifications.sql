-- The inbox (notifications.inbox) is made by the migrator from its template (platform/events/inbox.ts).

-- One row per e-mail the shop means to send: (event, template) is sent at most once.
-- 'sending' is committed before the SMTP call and 'sent' after it, so a redelivery
-- can tell a finished e-mail from one whose sending was interrupted ('uncertain').
create table notifications.deliveries (
  id bigint generated always as identity primary key,
  event_id uuid not null,
  event_type text not null,
  template text not null,
  recipient text not null,
  subject text not null,
  message_id text not null,
  status text not null check (status in ('sending', 'sent', 'failed', 'rejected', 'uncertain')),
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (event_id, template)
);
create index deliveries_status on notifications.deliveries (status) where status <> 'sent';

-- Every attempt to hand an e-mail to the mail server, with its outcome.
create table notifications.delivery_attempts (
  delivery_id bigint not null references notifications.deliveries (id) on delete cascade,
  attempt integer not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text check (outcome in ('sent', 'failed', 'rejected', 'interrupted')),
  response text,
  primary key (delivery_id, attempt)
);
