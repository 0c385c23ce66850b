drop view if exists conversation_members;
