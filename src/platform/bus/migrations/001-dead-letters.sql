-- Dead letters of the embedded bus (RabbitMQ keeps its own in <queue>.dlq).
create table eventbus.dead_letters (
  id bigint generated always as identity primary key,
  queue text not null,
  event_id uuid not null,
  source_schema text not null,
  body jsonb not null,
  reason text not null,
  deliveries integer not null,
  dead_at timestamptz not null default now(),
  replay_requested boolean not null default false,
  unique (queue, event_id)
);
