// @generated-style diesel table definitions, kept in step with `migrations/` by hand
// and checked against the live database by the `schema_matches_migrations` test.

diesel::table! {
    attachments (id) {
        id -> Uuid,
        conversation_id -> Uuid,
        uploader_id -> Uuid,
        message_id -> Nullable<Uuid>,
        name -> Text,
        content_type -> Text,
        size -> Int8,
        sha256 -> Text,
        kind -> Text,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        dicom -> Nullable<Jsonb>,
        has_preview -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        detail -> Jsonb,
        ip -> Nullable<Text>,
        chain_seq -> Nullable<Int8>,
        prev_hash -> Nullable<Bytea>,
        hash -> Nullable<Bytea>,
    }
}

diesel::table! {
    audit_chain (id) {
        id -> Int4,
        seq -> Int8,
        hash -> Bytea,
    }
}

diesel::table! {
    call_participants (call_id, connection_id) {
        call_id -> Uuid,
        user_id -> Uuid,
        connection_id -> Uuid,
        joined_at -> Timestamptz,
        left_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    calls (id) {
        id -> Uuid,
        conversation_id -> Uuid,
        started_by -> Uuid,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        declined_by -> Array<Uuid>,
    }
}

diesel::table! {
    cases (id) {
        id -> Uuid,
        team_id -> Uuid,
        patient_id -> Uuid,
        title -> Text,
        summary -> Text,
        status -> Text,
        priority -> Text,
        assignee_id -> Nullable<Uuid>,
        source -> Text,
        created_by -> Uuid,
        conversation_id -> Uuid,
        decline_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        due_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    consult_consultants (consult_id, user_id) {
        consult_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::table! {
    consults (id) {
        id -> Uuid,
        case_id -> Uuid,
        requested_by -> Uuid,
        question -> Text,
        urgency -> Text,
        status -> Text,
        opinion -> Nullable<Jsonb>,
        decline_reason -> Nullable<Text>,
        conversation_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        due_at -> Nullable<Timestamptz>,
        summary -> Text,
        diagnoses -> Jsonb,
    }
}

diesel::table! {
    conversation_participants (conversation_id, user_id) {
        conversation_id -> Uuid,
        user_id -> Uuid,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_reads (conversation_id, user_id) {
        conversation_id -> Uuid,
        user_id -> Uuid,
        last_read_seq -> Int8,
        updated_at -> Timestamptz,
        notify -> Text,
    }
}

diesel::table! {
    conversations (id) {
        id -> Uuid,
        kind -> Text,
        title -> Text,
        team_id -> Nullable<Uuid>,
        direct_key -> Nullable<Text>,
        last_seq -> Int8,
        last_message_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        conversation_id -> Uuid,
        seq -> Int8,
        sender_id -> Uuid,
        client_msg_id -> Text,
        body -> Text,
        reply_to_seq -> Nullable<Int8>,
        mentions -> Array<Uuid>,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        recalled_at -> Nullable<Timestamptz>,
        priority -> Text,
        ack_required -> Bool,
        ack_count -> Int4,
        ack_due_at -> Nullable<Timestamptz>,
        system -> Nullable<Jsonb>,
    }
}

diesel::table! {
    message_versions (message_id, version) {
        message_id -> Uuid,
        version -> Int4,
        body -> Text,
        written_at -> Timestamptz,
        editor_id -> Uuid,
    }
}

diesel::table! {
    message_reactions (message_id, emoji, user_id) {
        message_id -> Uuid,
        emoji -> Text,
        user_id -> Uuid,
        at -> Timestamptz,
    }
}

diesel::table! {
    escalation_timers (id) {
        id -> Uuid,
        subject_kind -> Text,
        subject_id -> Uuid,
        level -> Int4,
        due_at -> Timestamptz,
        step_ms -> Int8,
        fired_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    message_acks (message_id, user_id) {
        message_id -> Uuid,
        user_id -> Uuid,
        at -> Timestamptz,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Uuid,
        case_id -> Uuid,
        title -> Text,
        instructions -> Text,
        due_at -> Timestamptz,
        assignee_id -> Uuid,
        created_by -> Uuid,
        status -> Text,
        result -> Nullable<Text>,
        completed_at -> Nullable<Timestamptz>,
        completed_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        title -> Text,
        body -> Text,
        link -> Jsonb,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    patients (id) {
        id -> Uuid,
        name -> Text,
        sex -> Text,
        birth_date -> Nullable<Date>,
        external_id -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    referrals (id) {
        id -> Uuid,
        case_id -> Uuid,
        from_team_id -> Uuid,
        to_team_id -> Uuid,
        direction -> Text,
        reason -> Text,
        status -> Text,
        target_case_id -> Uuid,
        appointment_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        created_by -> Uuid,
        conversation_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        slot_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    referral_forms (referral_id) {
        referral_id -> Uuid,
        summary -> Text,
        diagnoses -> Jsonb,
        purpose -> Text,
        precautions -> Text,
        follow_up_plan -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    team_members (team_id, user_id) {
        team_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    team_settings (team_id) {
        team_id -> Uuid,
        settings -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    slots (id) {
        id -> Uuid,
        team_id -> Uuid,
        doctor_id -> Uuid,
        starts_at -> Timestamptz,
        duration_minutes -> Int4,
        capacity -> Int4,
        booked -> Int4,
        reserved_for_referrals -> Bool,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    teams (id) {
        id -> Uuid,
        name -> Text,
        specialty -> Text,
        institution -> Text,
        description -> Text,
        archived_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        title -> Text,
        institution -> Text,
        care_level -> Text,
        specialties -> Array<Text>,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        duty_status -> Text,
        duty_until -> Nullable<Timestamptz>,
        forward_to -> Nullable<Uuid>,
    }
}

diesel::table! {
    /// Every conversation's members, derived from rosters, consults, referrals
    /// and participants and kept by triggers (migrations 2 and 15).
    conversation_members (conversation_id, user_id) {
        conversation_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::joinable!(attachments -> conversations (conversation_id));
diesel::joinable!(attachments -> messages (message_id));
diesel::joinable!(message_reactions -> messages (message_id));
diesel::joinable!(message_versions -> messages (message_id));
diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(cases -> conversations (conversation_id));
diesel::joinable!(cases -> patients (patient_id));
diesel::joinable!(cases -> teams (team_id));
diesel::joinable!(consult_consultants -> consults (consult_id));
diesel::joinable!(consult_consultants -> users (user_id));
diesel::joinable!(consults -> cases (case_id));
diesel::joinable!(consults -> conversations (conversation_id));
diesel::joinable!(conversation_participants -> conversations (conversation_id));
diesel::joinable!(conversation_participants -> users (user_id));
diesel::joinable!(conversation_reads -> conversations (conversation_id));
diesel::joinable!(conversation_reads -> users (user_id));
diesel::joinable!(conversations -> teams (team_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::joinable!(messages -> users (sender_id));
diesel::joinable!(message_acks -> messages (message_id));
diesel::joinable!(message_acks -> users (user_id));
diesel::joinable!(follow_ups -> cases (case_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(referral_forms -> referrals (referral_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_settings -> teams (team_id));
diesel::joinable!(team_members -> users (user_id));

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        url -> Text,
        events -> Array<Text>,
        secret -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        event -> Text,
        payload -> Jsonb,
        created_at -> Timestamptz,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::table! {
    /// Migration 14: a user's authenticator (SPEC §11), its secret sealed.
    user_totp (user_id) {
        user_id -> Uuid,
        secret_sealed -> Bytea,
        confirmed_at -> Nullable<Timestamptz>,
        last_used_step -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Migration 14: single-use recovery codes, hashed.
    recovery_codes (user_id, code_hash) {
        user_id -> Uuid,
        code_hash -> Bytea,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Migration 14: passwords accepted, waiting for the second factor.
    mfa_challenges (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        expires_at -> Timestamptz,
        failed_attempts -> Int4,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Migration 14: emergency read access to a case.
    break_glass_grants (id) {
        id -> Uuid,
        case_id -> Uuid,
        user_id -> Uuid,
        reason -> Text,
        started_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::joinable!(break_glass_grants -> cases (case_id));
diesel::joinable!(break_glass_grants -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    attachments,
    break_glass_grants,
    mfa_challenges,
    recovery_codes,
    user_totp,
    audit_chain,
    audit_events,
    call_participants,
    calls,
    cases,
    consult_consultants,
    consults,
    conversation_members,
    conversation_participants,
    conversation_reads,
    conversations,
    follow_ups,
    message_acks,
    message_reactions,
    message_versions,
    messages,
    notifications,
    patients,
    referral_forms,
    referrals,
    refresh_tokens,
    sessions,
    slots,
    team_members,
    team_settings,
    teams,
    users,
    webhook_deliveries,
    webhooks,
);
