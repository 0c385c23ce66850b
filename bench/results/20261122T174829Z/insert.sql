insert into bench_insert (conversation_id, seq, body) values (gen_random_uuid(), 1, 'load|0|患者血压 150/95 mmHg，请评估');
