import type { PatientDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { ageFrom } from '../ui/format';

/** Name, sex and age (from the birth date) of a patient, as clinicians scan them. */
export function PatientHeader({ patient }: { patient: PatientDto }) {
  const { t } = useI18n();
  const age = ageFrom(patient.birth_date);
  return (
    <dl className="patient" aria-label={t('case.patient')}>
      <div>
        <dt>{t('case.patientName')}</dt>
        <dd className="patient__name">{patient.name}</dd>
      </div>
      <div>
        <dt>{t('case.sex')}</dt>
        <dd>{t(`sex.${patient.sex}`)}</dd>
      </div>
      <div>
        <dt>{t('case.age')}</dt>
        <dd>{age === undefined ? t('case.ageUnknown') : t('case.years', { age })}</dd>
      </div>
      {patient.external_id !== undefined && (
        <div>
          <dt>{t('case.externalId')}</dt>
          <dd>{patient.external_id}</dd>
        </div>
      )}
    </dl>
  );
}
