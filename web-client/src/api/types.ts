// TEMPORARY: hand-written mirrors of the Rust `shared` crate's DTOs (SPEC §1, §3).
// To be replaced by re-exports from ../generated once the ts-rs output lands,
// e.g. `export type { UserDto } from '../generated/UserDto';`. Keep field names
// exactly as the server sends them (snake_case), so that switch is a no-op for
// the rest of the app.

/** Platform role of an account. */
export type Role = 'admin' | 'user';

/** Where a doctor practises, from the tertiary hospital down to the village. */
export type CareLevel = 'tertiary' | 'secondary' | 'primary' | 'village';

/** Body of `POST /auth/login`. */
export interface LoginRequest {
  username: string;
  password: string;
}

/** Answer of `POST /auth/login`. */
export interface LoginResponse {
  access_token: string;
  refresh_token: string;
  /** Lifetime of `access_token`, in seconds. */
  expires_in: number;
  user: UserDto;
}

/** A user's public profile. */
export interface UserDto {
  /** UUID. */
  id: string;
  username: string;
  display_name: string;
  role: Role;
  /** Professional title, e.g. 主任医师. */
  title: string;
  institution: string;
  care_level: CareLevel;
  specialties: string[];
  active: boolean;
  /** RFC 3339 timestamp. */
  created_at: string;
}

/** Every non-2xx answer of the REST API: `{"error": {"code", "message"}}`. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
  };
}
