-- Issue 13 (traces): the instance that produced each indexed record, from its grpo-producer header
-- (contracts' ProducerHeader), so the lineage names the reward instance that scored a group even
-- after retention removed the record. Null for records without the header.
alter table record_index add column producer varchar(200);
