//! Which specialty a case needs, from the words its title and summary use.
//!
//! Doctors list their specialties in their own words ("心律失常", "房颤消融",
//! "Arrhythmia"); cases describe symptoms and diagnoses ("阵发性房颤",
//! "心律不齐", "atrial fibrillation"). A literal match of the two missed
//! most fits and matched the wrong ones (a 房颤 case went to the
//! hypertension doctor because the team's specialty, 心血管内科, matched
//! everyone). This small curated vocabulary joins them: each entry names a
//! specialty in the ways doctors write it and the symptoms, findings and
//! diagnoses that call for it, in Chinese and English. It is data, kept
//! here so a reviewer can read it whole; extend it as teams ask.

/// One specialty: how doctors name it, and the words in a case that call for it.
pub struct Specialty {
    /// Names and synonyms a doctor may list (matched both ways as substrings,
    /// so "房颤消融" finds 房颤 and "心律失常" finds 心律失常).
    pub names: &'static [&'static str],
    /// Symptoms, findings and diagnoses, lower case for the Latin ones.
    pub terms: &'static [&'static str],
}

/// The vocabulary.
pub const VOCABULARY: &[Specialty] = &[
    Specialty {
        names: &["心律失常", "电生理", "房颤", "起搏", "arrhythmia", "electrophysiology"],
        terms: &[
            "房颤",
            "心房颤动",
            "房扑",
            "心律不齐",
            "心律失常",
            "心悸",
            "早搏",
            "期前收缩",
            "室速",
            "室性心动过速",
            "室上速",
            "室上性",
            "心动过速",
            "心动过缓",
            "传导阻滞",
            "起搏器",
            "射频消融",
            "预激",
            "atrial fibrillation",
            "afib",
            "arrhythmia",
            "palpitation",
            "tachycardia",
            "bradycardia",
            "heart block",
            "pacemaker",
        ],
    },
    Specialty {
        names: &[
            "冠心病",
            "冠脉",
            "介入",
            "胸痛中心",
            "coronary",
            "interventional cardiology",
        ],
        terms: &[
            "冠心病",
            "胸痛",
            "胸闷",
            "心绞痛",
            "心肌梗死",
            "心梗",
            "st段",
            "肌钙蛋白",
            "冠脉",
            "支架",
            "pci",
            "chest pain",
            "angina",
            "myocardial infarction",
            "stemi",
            "nstemi",
            "troponin",
            "coronary",
            "stent",
        ],
    },
    Specialty {
        names: &["心力衰竭", "心衰", "心肌病", "heart failure", "cardiomyopathy"],
        terms: &[
            "心衰",
            "心力衰竭",
            "水肿",
            "端坐呼吸",
            "夜间阵发性呼吸困难",
            "bnp",
            "射血分数",
            "心肌病",
            "heart failure",
            "edema",
            "ejection fraction",
            "cardiomyopathy",
            "orthopnea",
        ],
    },
    Specialty {
        names: &["高血压", "hypertension"],
        terms: &[
            "高血压",
            "血压高",
            "血压控制不佳",
            "降压",
            "头晕",
            "hypertension",
            "high blood pressure",
            "antihypertensive",
        ],
    },
    Specialty {
        names: &["糖尿病", "内分泌", "diabetes", "endocrinology"],
        terms: &[
            "糖尿病",
            "血糖",
            "糖化血红蛋白",
            "hba1c",
            "胰岛素",
            "二甲双胍",
            "低血糖",
            "酮症",
            "甲状腺",
            "甲亢",
            "甲减",
            "diabetes",
            "glucose",
            "insulin",
            "metformin",
            "hypoglycemia",
            "thyroid",
        ],
    },
    Specialty {
        names: &["糖尿病足", "创面", "伤口", "diabetic foot", "wound care"],
        terms: &[
            "糖尿病足",
            "足溃疡",
            "溃疡",
            "wagner",
            "创面",
            "坏疽",
            "换药",
            "diabetic foot",
            "foot ulcer",
            "wound",
            "gangrene",
        ],
    },
    Specialty {
        names: &["肾内科", "肾病", "透析", "nephrology", "dialysis"],
        terms: &[
            "肾功能",
            "肌酐",
            "尿蛋白",
            "蛋白尿",
            "肾衰",
            "透析",
            "egfr",
            "creatinine",
            "proteinuria",
            "kidney",
            "renal",
            "dialysis",
        ],
    },
    Specialty {
        names: &[
            "呼吸",
            "慢阻肺",
            "哮喘",
            "肺部感染",
            "respiratory",
            "pulmonology",
            "copd",
            "asthma",
        ],
        terms: &[
            "咳嗽",
            "咳痰",
            "气促",
            "喘息",
            "哮喘",
            "慢阻肺",
            "肺炎",
            "肺部感染",
            "血氧",
            "呼吸困难",
            "cough",
            "wheeze",
            "asthma",
            "copd",
            "pneumonia",
            "dyspnea",
            "shortness of breath",
        ],
    },
    Specialty {
        names: &["神经", "卒中", "脑血管", "neurology", "stroke"],
        terms: &[
            "卒中",
            "脑梗",
            "脑出血",
            "偏瘫",
            "言语不清",
            "口角歪斜",
            "溶栓",
            "癫痫",
            "头痛",
            "眩晕",
            "stroke",
            "hemiplegia",
            "thrombolysis",
            "seizure",
            "epilepsy",
            "headache",
            "vertigo",
        ],
    },
    Specialty {
        names: &["消化", "胃肠", "肝病", "gastroenterology", "hepatology"],
        terms: &[
            "腹痛",
            "腹泻",
            "便血",
            "呕血",
            "黑便",
            "胃镜",
            "肝功能",
            "转氨酶",
            "黄疸",
            "肝硬化",
            "abdominal pain",
            "diarrhea",
            "gi bleeding",
            "endoscopy",
            "jaundice",
            "cirrhosis",
        ],
    },
    Specialty {
        names: &["骨科", "关节", "脊柱", "orthopedics"],
        terms: &[
            "骨折",
            "关节痛",
            "腰痛",
            "颈椎",
            "腰椎",
            "扭伤",
            "fracture",
            "joint pain",
            "back pain",
            "sprain",
        ],
    },
    Specialty {
        names: &["全科", "家庭医生", "general practice", "family medicine"],
        terms: &[
            "随访",
            "慢病管理",
            "健康管理",
            "复诊",
            "follow-up",
            "chronic disease management",
        ],
    },
];

/// How one of a doctor's specialties fits a case: the words of the case it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    /// The doctor's specialty, as they wrote it.
    pub specialty: String,
    /// The words of the case that call for it, in the order of the vocabulary.
    pub terms: Vec<String>,
}

/// Whether a doctor's specialty and a vocabulary name are the same thing
/// (either contains the other, ignoring case).
fn names_match(doctor: &str, name: &str) -> bool {
    let doctor = doctor.to_lowercase();
    !doctor.is_empty() && (doctor.contains(name) || name.contains(doctor.as_str()))
}

/// How each of `specialties` (one doctor's) fits the case `text`; the ones
/// that do not are left out.
pub fn fits(specialties: &[String], text: &str) -> Vec<Fit> {
    let text = text.to_lowercase();
    let mut out: Vec<Fit> = Vec::new();
    for specialty in specialties {
        let mut terms: Vec<String> = Vec::new();
        // the doctor's own words count when the case uses them literally
        let own = specialty.trim().to_lowercase();
        if own.chars().count() >= 2 && text.contains(own.as_str()) {
            terms.push(specialty.trim().to_owned());
        }
        for entry in VOCABULARY
            .iter()
            .filter(|e| e.names.iter().any(|n| names_match(specialty, n)))
        {
            for term in entry.terms {
                if text.contains(term) && !terms.iter().any(|t| t.to_lowercase() == *term) {
                    terms.push((*term).to_owned());
                }
            }
        }
        // two ways of naming one field ("冠心病" and "介入治疗") are one fit, not two
        let new = terms
            .iter()
            .any(|t| !out.iter().any(|f| f.terms.iter().any(|seen| seen == t)));
        if new {
            out.push(Fit {
                specialty: specialty.clone(),
                terms,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specialties(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn atrial_fibrillation_calls_for_the_arrhythmia_doctor_not_the_hypertension_one() {
        let case = "阵发性房颤3年，心律不齐，近1周心悸加重";
        let arrhythmia = fits(&specialties(&["心律失常"]), case);
        assert_eq!(arrhythmia.len(), 1);
        assert_eq!(arrhythmia[0].terms, vec!["房颤", "心律不齐", "心悸"]);
        assert!(fits(&specialties(&["高血压"]), case).is_empty());
        assert!(
            fits(&specialties(&["心血管内科"]), case).is_empty(),
            "a department is no specialty"
        );
    }

    #[test]
    fn doctors_own_words_and_english_cases_fit() {
        let f = fits(
            &specialties(&["房颤消融"]),
            "AF with rapid ventricular rate: atrial fibrillation since 2019",
        );
        assert_eq!(
            f[0].terms,
            vec!["atrial fibrillation"],
            "房颤消融 names the arrhythmia entry"
        );
        let f = fits(
            &specialties(&["Arrhythmia"]),
            "Atrial fibrillation since 2019, palpitations",
        );
        assert_eq!(f[0].terms, vec!["atrial fibrillation", "palpitation"]);
        let f = fits(&specialties(&["冠心病", "心力衰竭"]), "活动后胸闷胸痛1月。既往冠心病史");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].specialty, "冠心病");
        assert_eq!(f[0].terms, vec!["冠心病", "胸痛", "胸闷"]);
        let f = fits(&specialties(&["冠心病", "介入治疗"]), "活动后胸闷3天");
        assert_eq!(f.len(), 1, "two names of one field are one fit: {f:?}");
    }

    #[test]
    fn every_entry_has_names_and_lower_case_terms() {
        for entry in VOCABULARY {
            assert!(!entry.names.is_empty() && !entry.terms.is_empty());
            for term in entry.terms.iter().chain(entry.names) {
                assert_eq!(
                    *term,
                    term.to_lowercase(),
                    "{term}: the text is lower-cased before matching"
                );
            }
        }
    }
}
