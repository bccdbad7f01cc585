-- The console's index of the log (issue 13): where each record of a group lies. The records
-- themselves stay in Kafka and are read back by offset; a dead letter's stage and reason are kept
-- here too, so the console can count letters by stage and reason without reading the log.
create table record_index (
    topic          varchar(64)  not null,
    partition_no   integer      not null,
    record_offset  bigint       not null,
    group_id       varchar(512),
    record_time    timestamptz  not null,
    stage          varchar(64),
    reason         text,
    primary key (topic, partition_no, record_offset)
);
create index record_index_group on record_index (group_id);
