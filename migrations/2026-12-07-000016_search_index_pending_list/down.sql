alter index messages_search_keys reset (gin_pending_list_limit);
